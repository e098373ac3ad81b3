"""What a run leaves in Kafka: every topic it created carries the run id, and is deleted at the end.

(Consumer groups the hub joined stay until the broker expires them: aiokafka has no call to
delete a group, and an empty group costs nothing.)
"""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient


async def delete_topics(bootstrap: str, run_id: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        mine = sorted(name for name in await admin.list_topics() if run_id in name)
        if mine:
            await admin.delete_topics(mine)
        return mine
    finally:
        await admin.close()


__all__ = ["delete_topics"]
