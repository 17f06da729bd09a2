{{/* Name of the chart, overridable with nameOverride. */}}
{{- define "flowgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified name: the release name, with the chart name unless it already contains it. */}}
{{- define "flowgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "flowgate.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "flowgate.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods: never change them on upgrade. */}}
{{- define "flowgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flowgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flowgate.labels" -}}
{{ include "flowgate.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flowgate
{{- end -}}

{{- define "flowgate.webConfigSecret" -}}
{{- default (printf "%s-web-config" (include "flowgate.fullname" .)) .Values.webConfig.existingSecret -}}
{{- end -}}

{{- define "flowgate.claimName" -}}
{{- default (printf "%s-data" (include "flowgate.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* An httpGet probe on flowgate's port, with the configured headers (basic auth). */}}
{{- define "flowgate.probe" -}}
{{- $probe := index .root.Values.probes .name -}}
httpGet:
  path: {{ .path }}
  port: 9091
  {{- with .root.Values.probes.httpHeaders }}
  httpHeaders:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- toYaml (omit $probe "enabled") | nindent 0 }}
{{- end -}}
