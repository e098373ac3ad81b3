"""The ops page's problems in the viewer's language, from their codes and values.

``hub.observability.status_view`` words each problem in English for the API and the CLI and also
gives it a stable code and its values; the console says it again from those in Vietnamese. A
code without a Vietnamese text (a problem added later) shows its English sentence rather than
nothing. The values (ids, states, reasons from the hub) are data and are never translated.
"""

from __future__ import annotations

from hub.api.console.catalogue import Language
from hub.observability.status_view import StatusProblem

VI = {
    "kafka_unavailable": "Kafka: {detail}",
    "connector_quarantine": "bộ kết nối {name}: {count} thay đổi đang bị cách ly, gần nhất: {reasons} "
    "(hub quarantine list --connector {name})",
    "connector_state": "bộ kết nối {name} đang ở trạng thái {state}{error}",
    "connector_silent": "bộ kết nối {name}: tiến trình chạy nó không báo cáo đã {age_s} giây",
    "connector_lag": "bộ kết nối {name} chậm {lag_s} giây so với nguồn",
    "subscription_state": "đăng ký {id} đang ở trạng thái {state}: {reason}",
    "subscription_failing": "đăng ký {id}: {rate} trong {attempts} lần gửi gần đây bị lỗi",
    "subscription_dead_letters": "đăng ký {id}: {count} thư chết đang chờ xử lý",
    "subscription_lag": "đăng ký {id}: chậm {lag} bản ghi",
    "worker_silent": "tiến trình {id}: không có tín hiệu đã {age_s} giây",
    "run_silent": "hub run {id}: không có tín hiệu đã {age_s} giây (các phân vùng của nó chuyển sang các "
    "tiến trình khác khi Kafka loại nó ra)",
}


def say(found: StatusProblem, lang: Language) -> str:
    text = VI.get(found.code) if lang == "vi" else None
    return found.text if text is None else text.format(**found.values)
