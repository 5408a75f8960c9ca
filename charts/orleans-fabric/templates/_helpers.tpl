{{/* The chart name, shortened to fit a DNS label. */}}
{{- define "orleans-fabric.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the release's resources. */}}
{{- define "orleans-fabric.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The headless Service of the silo port. */}}
{{- define "orleans-fabric.siloServiceName" -}}
{{- printf "%s-silo" (include "orleans-fabric.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the silo pods (never change them on upgrade). */}}
{{- define "orleans-fabric.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orleans-fabric.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "orleans-fabric.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "orleans-fabric.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The Secret the silos read the connection string, cluster secret and API keys from. */}}
{{- define "orleans-fabric.secretName" -}}
{{- default (include "orleans-fabric.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
A value of the chart-created Secret, base64: the one given, else the one already stored (so a
generated secret survives upgrades), else a random one.
Arguments: dict "root" . "key" <key in the Secret> "value" <given value>.
*/}}
{{- define "orleans-fabric.secretValue" -}}
{{- $stored := lookup "v1" "Secret" .root.Release.Namespace (include "orleans-fabric.fullname" .root) }}
{{- if .value }}
{{- .value | b64enc }}
{{- else if and $stored $stored.data (hasKey $stored.data .key) }}
{{- index $stored.data .key }}
{{- else }}
{{- randAlphaNum 32 | b64enc }}
{{- end }}
{{- end }}

{{/*
Stops rendering when the settings cannot work: a grace period that would kill a silo before it
hands its leases off, or a silo with neither API keys nor anonymous access (it refuses to start).
*/}}
{{- define "orleans-fabric.validate" -}}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- $preStop := int .Values.shutdown.preStopSeconds }}
{{- $deadline := int .Values.shutdown.deadlineSeconds }}
{{- if le $grace (add $preStop $deadline) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than shutdown.preStopSeconds + shutdown.deadlineSeconds (%d + %d = %d): otherwise Kubernetes kills a silo before it hands its partition leases off, and they expire instead" $grace $preStop $deadline (add $preStop $deadline)) }}
{{- end }}
{{- if and (not .Values.api.allowAnonymous) (empty .Values.api.keys) }}
{{- fail "api.keys is empty and api.allowAnonymous is false: a silo with no API keys refuses to listen on the pod network; configure api.keys (read from the Secret) or set api.allowAnonymous=true explicitly" }}
{{- end }}
{{- range $i, $key := .Values.api.keys }}
{{- if not $key.secretKey }}
{{- fail (printf "api.keys[%d].secretKey is required: the key is read from the Secret under that name" $i) }}
{{- end }}
{{- if empty $key.tenants }}
{{- fail (printf "api.keys[%d].tenants is empty: list the tenants the key may use (\"*\" for all)" $i) }}
{{- end }}
{{- end }}
{{- end }}
