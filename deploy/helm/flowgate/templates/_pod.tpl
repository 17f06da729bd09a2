{{/*
The pod template shared by the Deployment and the StatefulSet (runAsStatefulSet).
The data volume is /data: an emptyDir, the chart's or an existing claim, or
(StatefulSet with persistentVolume.enabled) the volumeClaimTemplate "data".
*/}}
{{- define "flowgate.podTemplate" -}}
metadata:
  labels:
    {{- include "flowgate.selectorLabels" . | nindent 4 }}
    flowgate/scrape: "true"
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/web-config: {{ toYaml .Values.webConfig.content | sha256sum }}
    {{- if .Values.prometheusScrapeAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: "9091"
    prometheus.io/path: /metrics
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "flowgate.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  {{- with .Values.extraInitContainers }}
  initContainers:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: flowgate
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --web.listen-address=:9091
        - --web.config.file=/etc/flowgate/web-config.yml
        - --persistence.file={{ .Values.persistence.file }}
        - --persistence.interval={{ .Values.persistence.interval }}
        - --log.format={{ .Values.logFormat }}
        {{- with .Values.prefect.apiUrl }}
        - --prefect.api-url={{ . }}
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . }}
        {{- end }}
      {{- with .Values.env }}
      env:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: metrics
          containerPort: 9091
          protocol: TCP
      {{- if .Values.probes.startup.enabled }}
      startupProbe:
        {{- include "flowgate.probe" (dict "root" . "name" "startup" "path" "/-/ready") | nindent 8 }}
      {{- end }}
      livenessProbe:
        {{- include "flowgate.probe" (dict "root" . "name" "liveness" "path" "/-/healthy") | nindent 8 }}
      readinessProbe:
        {{- include "flowgate.probe" (dict "root" . "name" "readiness" "path" "/-/ready") | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: data
          mountPath: /data
          {{- with .Values.persistentVolume.subPath }}
          subPath: {{ . }}
          {{- end }}
        - name: web-config
          mountPath: /etc/flowgate
          readOnly: true
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- with .Values.extraContainers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumes:
    {{- if not (include "flowgate.dataFromClaimTemplate" .) }}
    - name: data
      {{- if .Values.persistentVolume.enabled }}
      persistentVolumeClaim:
        claimName: {{ include "flowgate.claimName" . }}
      {{- else }}
      emptyDir:
        sizeLimit: {{ .Values.persistence.emptyDirSizeLimit }}
      {{- end }}
    {{- end }}
    - name: web-config
      secret:
        secretName: {{ include "flowgate.webConfigSecret" . }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  {{- $constraints := list }}
  {{- range . }}
  {{- $constraint := deepCopy . }}
  {{- if not (hasKey $constraint "labelSelector") }}
  {{- $_ := set $constraint "labelSelector" (dict "matchLabels" (include "flowgate.selectorLabels" $ | fromYaml)) }}
  {{- end }}
  {{- $constraints = append $constraints $constraint }}
  {{- end }}
  topologySpreadConstraints:
    {{- toYaml $constraints | nindent 4 }}
  {{- end }}
{{- end -}}
