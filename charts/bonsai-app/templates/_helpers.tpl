{{- define "bonsai-app.name" -}}
{{- .Values.component -}}
{{- end -}}

{{- define "bonsai-app.labels" -}}
app.kubernetes.io/name: {{ include "bonsai-app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.component }}
app.kubernetes.io/part-of: bonsai
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "bonsai-app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bonsai-app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
