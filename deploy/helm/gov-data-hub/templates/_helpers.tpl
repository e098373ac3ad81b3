{{- define "hub.labels" -}}
app.kubernetes.io/name: gov-data-hub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "hub.selector" -}}
app.kubernetes.io/name: gov-data-hub
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "hub.bootstrap" -}}
{{- $port := ternary "9092" "9093" (eq .Values.kafka.authentication "none") -}}
{{- if .Values.kafka.bootstrap }}{{ .Values.kafka.bootstrap }}{{ else }}{{ .Values.kafka.name }}-kafka-bootstrap:{{ $port }}{{ end }}
{{- end }}

{{/* HUB_KAFKA_SECURITY_PROTOCOL for kafka.authentication (bus/security.py). */}}
{{- define "hub.kafkaProtocol" -}}
{{- $protocols := dict "scram-sha-512" "SASL_SSL" "tls" "SSL" "none" "PLAINTEXT" -}}
{{- required "kafka.authentication must be scram-sha-512, tls or none" (get $protocols .Values.kafka.authentication) -}}
{{- end }}

{{- define "hub.kafkaUser" -}}
{{ .Values.kafka.username | default .Release.Name }}
{{- end }}

{{- define "hub.kafkaUserSecret" -}}
{{ .Values.kafka.userSecret | default (include "hub.kafkaUser" .) }}
{{- end }}

{{- define "hub.kafkaCaSecret" -}}
{{ .Values.kafka.caSecret | default (printf "%s-cluster-ca-cert" .Values.kafka.name) }}
{{- end }}

{{- define "hub.replicationFactor" -}}
{{- $factor := .Values.kafka.replicationFactor | default (min 3 .Values.kafka.brokers) -}}
{{- if and .Values.kafka.enabled (gt (int $factor) (int .Values.kafka.brokers)) -}}
{{- fail (printf "kafka.replicationFactor %v needs %v brokers; kafka.brokers is %v" $factor $factor .Values.kafka.brokers) -}}
{{- end -}}
{{ $factor }}
{{- end }}

{{- define "hub.minInsyncReplicas" -}}
{{ .Values.kafka.minInsyncReplicas | default (min 2 (include "hub.replicationFactor" . | int)) }}
{{- end }}

{{/* The Kafka credentials every hub process mounts: the cluster CA, and the user's certificate
     and key with mutual TLS (the SCRAM password comes in as an environment variable). */}}
{{- define "hub.kafkaVolumes" -}}
{{- if ne .Values.kafka.authentication "none" }}
- name: kafka-ca
  secret: {secretName: {{ include "hub.kafkaCaSecret" . }}, items: [{key: ca.crt, path: ca.crt}]}
{{- end }}
{{- if eq .Values.kafka.authentication "tls" }}
- name: kafka-user
  secret: {secretName: {{ include "hub.kafkaUserSecret" . }}, items: [{key: user.crt, path: user.crt}, {key: user.key, path: user.key}]}
{{- end }}
{{- end }}

{{- define "hub.kafkaMounts" -}}
{{- if ne .Values.kafka.authentication "none" }}
- {name: kafka-ca, mountPath: /etc/kafka/ca, readOnly: true}
{{- end }}
{{- if eq .Values.kafka.authentication "tls" }}
- {name: kafka-user, mountPath: /etc/kafka/user, readOnly: true}
{{- end }}
{{- end }}

{{- define "hub.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{/* The container every hub process and the migration Job share: image and security. */}}
{{- define "hub.container" -}}
image: {{ include "hub.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: [ALL]}
{{- end }}
