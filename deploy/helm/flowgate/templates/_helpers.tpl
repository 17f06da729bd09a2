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
{{- default (printf "%s-data" (include "flowgate.fullname" .)) .Values.persistentVolume.existingClaim -}}
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

{{- define "flowgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flowgate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Non-empty when the StatefulSet's volumeClaimTemplates provide /data. */}}
{{- define "flowgate.dataFromClaimTemplate" -}}
{{- if and .Values.runAsStatefulSet .Values.persistentVolume.enabled (not .Values.persistentVolume.existingClaim) -}}
true
{{- end -}}
{{- end -}}

{{/* The spec of a created claim, for the PVC and the volumeClaimTemplate alike. */}}
{{- define "flowgate.claimSpec" -}}
accessModes:
  {{- toYaml .Values.persistentVolume.accessModes | nindent 2 }}
{{- with .Values.persistentVolume.storageClass }}
storageClassName: {{ if eq . "-" }}""{{ else }}{{ . }}{{ end }}
{{- end }}
resources:
  requests:
    storage: {{ .Values.persistentVolume.size }}
{{- end -}}

{{/* Chart 0.2.0 took the pushgateway chart's names for the claim's values:
refuse the old ones by name instead of silently running on an emptyDir. */}}
{{- define "flowgate.refuseMovedValues" -}}
{{- $moved := dict "enabled" "persistentVolume.enabled" "existingClaim" "persistentVolume.existingClaim" "storageClassName" "persistentVolume.storageClass" "accessModes" "persistentVolume.accessModes" "size" "persistentVolume.size" -}}
{{- range $old, $new := $moved -}}
{{- if hasKey $.Values.persistence $old -}}
{{- fail (printf "persistence.%s was renamed to %s in chart 0.2.0 (the prometheus-community pushgateway chart's name); move the value there" $old $new) -}}
{{- end -}}
{{- end -}}
{{- end -}}
