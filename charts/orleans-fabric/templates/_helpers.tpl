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

{{/* The Secret the silos read the connection strings and API keys from. */}}
{{- define "orleans-fabric.secretName" -}}
{{- default (include "orleans-fabric.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/* Orleans' cluster id: clustering.clusterId, else the release name. */}}
{{- define "orleans-fabric.clusterId" -}}
{{- default .Release.Name .Values.clustering.clusterId }}
{{- end }}

{{/* The Secret key of the membership connection string: Redis's, or PostgreSQL's with AdoNet. */}}
{{- define "orleans-fabric.clusteringConnectionStringKey" -}}
{{- if eq .Values.clustering.provider "Redis" }}
{{- .Values.secret.redisConnectionStringKey }}
{{- else }}
{{- .Values.secret.postgresConnectionStringKey }}
{{- end }}
{{- end }}

{{/* The ServiceAccount of the silo pods. */}}
{{- define "orleans-fabric.serviceAccountName" -}}
{{- if .Values.kubernetes.serviceAccount.create }}
{{- default (include "orleans-fabric.fullname" .) .Values.kubernetes.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.kubernetes.serviceAccount.name }}
{{- end }}
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
Stops rendering when the settings cannot work: an unknown membership provider, ids that cannot be
pod label values, a grace period that would kill a silo before it leaves the cluster, or a silo
with neither API keys nor anonymous access (it refuses to start).
*/}}
{{- define "orleans-fabric.validate" -}}
{{- if not (has .Values.clustering.provider (list "Redis" "AdoNet")) }}
{{- fail (printf "clustering.provider is %q: it must be Redis or AdoNet (a silo on Kubernetes needs shared membership; Localhost is for one process)" (toString .Values.clustering.provider)) }}
{{- end }}
{{- range $name, $id := dict "clustering.clusterId" (include "orleans-fabric.clusterId" .) "clustering.serviceId" (toString .Values.clustering.serviceId) }}
{{- if not (regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$" $id) }}
{{- fail (printf "%s is %q: it must be a valid Kubernetes label value (1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit), because Orleans' Kubernetes hosting labels and selects the silo pods with it" $name $id) }}
{{- end }}
{{- end }}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- $preStop := int .Values.shutdown.preStopSeconds }}
{{- $deadline := int .Values.shutdown.deadlineSeconds }}
{{- if le $grace (add $preStop $deadline) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than shutdown.preStopSeconds + shutdown.deadlineSeconds (%d + %d = %d): otherwise Kubernetes kills a silo before it has deactivated its grains and left the cluster" $grace $preStop $deadline (add $preStop $deadline)) }}
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
