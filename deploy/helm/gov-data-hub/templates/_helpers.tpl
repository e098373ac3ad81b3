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
{{- if .Values.kafka.bootstrap }}{{ .Values.kafka.bootstrap }}{{ else }}{{ .Values.kafka.name }}-kafka-bootstrap:9092{{ end }}
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
