{{/* Names, labels, images and the per-service settings every template shares. */}}

{{- define "tongban.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object name: <release>-<chart>, or <release> if it names the chart. */}}
{{- define "tongban.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object. Call with (dict "root" $ "component" "identity"). */}}
{{- define "tongban.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "tongban.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tongban
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The labels a component's selectors match: stable across upgrades. */}}
{{- define "tongban.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tongban.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Object name of a component: <fullname>-<component>. */}}
{{- define "tongban.componentName" -}}
{{- printf "%s-%s" (include "tongban.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
A service's settings: each top-level key of .Values.defaults, replaced whole by the
service's own key when it sets one (a shallow merge, so `enabled: false` or an empty list in
a service block means what it says). Returns YAML; use with fromYaml.
Call with (dict "root" $ "name" "identity" "svc" $svc).
*/}}
{{- define "tongban.serviceSettings" -}}
{{- $out := dict -}}
{{- range $key, $value := .root.Values.defaults -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- range $key, $value := .svc -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* An image reference, by digest when one is given. Call with (dict "image" .. "root" $). */}}
{{- define "tongban.image" -}}
{{- $global := .root.Values.image -}}
{{- $repo := .image.repository -}}
{{- if and $global.registry (not (contains "/" $repo)) -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" $global.registry) $repo -}}
{{- end -}}
{{- $tag := .image.tag | default $global.tag | default .root.Chart.AppVersion -}}
{{- $digest := .image.digest | default $global.digest -}}
{{- if eq (toString $tag) "latest" -}}
{{- fail "image tag \"latest\" is not allowed: pin a version (and a digest)" -}}
{{- end -}}
{{- if $digest -}}
{{- printf "%s:%s@%s" $repo (toString $tag) $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (toString $tag) -}}
{{- end -}}
{{- end -}}

{{/* An upstream image (dev Kafka and Redis): repository, tag and optional digest. */}}
{{- define "tongban.upstreamImage" -}}
{{- if .digest -}}
{{- printf "%s:%s@%s" .repository (toString .tag) .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end -}}
{{- end -}}

{{- define "tongban.kafkaBootstrap" -}}
{{- if eq .Values.kafka.mode "dev" -}}
{{- printf "%s-kafka.%s.svc:9092" (include "tongban.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "kafka.bootstrapServers is required when kafka.mode is external or strimzi" .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "tongban.redisAddress" -}}
{{- if eq .Values.redis.mode "dev" -}}
{{- printf "%s-redis.%s.svc:6379" (include "tongban.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "redis.address (host:port) is required when redis.mode is external" .Values.redis.address -}}
{{- end -}}
{{- end -}}

{{- define "tongban.jwksUrl" -}}
{{- if .Values.auth.jwksUrl -}}
{{- .Values.auth.jwksUrl -}}
{{- else -}}
{{- printf "http://%s-identity:%v/.well-known/jwks.json" (include "tongban.fullname" .) .Values.services.identity.port -}}
{{- end -}}
{{- end -}}

{{/* librdkafka's security.protocol for the TLS and SASL switches. */}}
{{- define "tongban.kafkaSecurityProtocol" -}}
{{- $k := .Values.kafka -}}
{{- if and $k.tls.enabled $k.sasl.enabled -}}SASL_SSL
{{- else if $k.tls.enabled -}}SSL
{{- else if $k.sasl.enabled -}}SASL_PLAINTEXT
{{- else -}}PLAINTEXT
{{- end -}}
{{- end -}}

{{/*
The environment of a tongban container as a name → value map (YAML): the common knobs from
the structured values, then the service's own env, which may override any of them.
Call with (dict "root" $ "env" $svcEnv).
*/}}
{{- define "tongban.envMap" -}}
{{- $v := .root.Values -}}
{{- $e := dict -}}
{{- $_ := set $e "TONGBAN_LOG_LEVEL" $v.logLevel -}}
{{- $_ = set $e "TONGBAN_HTTP_IO_THREADS" $v.http.ioThreads -}}
{{- $_ = set $e "TONGBAN_HTTP_ON_REDIS_LOOP" $v.http.onRedisLoop -}}
{{- $_ = set $e "TONGBAN_HTTP_WORKERS" $v.http.workers -}}
{{- $_ = set $e "TONGBAN_HTTP_QUEUE_LIMIT" $v.http.queueLimit -}}
{{- $_ = set $e "TONGBAN_HTTP_BODY_LIMIT" $v.http.bodyLimit -}}
{{- $_ = set $e "TONGBAN_HTTP_HEADER_LIMIT" $v.http.headerLimit -}}
{{- $_ = set $e "TONGBAN_HTTP_MAX_CONNECTIONS" $v.http.maxConnections -}}
{{- $_ = set $e "TONGBAN_HTTP_READ_TIMEOUT_MS" $v.http.readTimeoutMs -}}
{{- $_ = set $e "TONGBAN_HTTP_IDLE_TIMEOUT_MS" $v.http.idleTimeoutMs -}}
{{- $_ = set $e "TONGBAN_HTTP_WRITE_TIMEOUT_MS" $v.http.writeTimeoutMs -}}
{{- $_ = set $e "TONGBAN_DRAIN_TIMEOUT_MS" $v.drainTimeoutMs -}}
{{- $_ = set $e "TONGBAN_OUTBOX_GATHER_MS" $v.outbox.gatherMs -}}
{{- $_ = set $e "TONGBAN_REDIS_ADDR" (include "tongban.redisAddress" .root) -}}
{{- $_ = set $e "TONGBAN_REDIS_POOL" $v.redis.pool -}}
{{- $_ = set $e "TONGBAN_REDIS_TIMEOUT_MS" $v.redis.timeoutMs -}}
{{- $_ = set $e "TONGBAN_REDIS_CONNECT_TIMEOUT_MS" $v.redis.connectTimeoutMs -}}
{{- if $v.redis.auth.existingSecret -}}
{{- $_ = set $e "TONGBAN_REDIS_PASSWORD_FILE" "/etc/tongban/secrets/redis/password" -}}
{{- end -}}
{{- $_ = set $e "TONGBAN_KAFKA_BOOTSTRAP" (include "tongban.kafkaBootstrap" .root) -}}
{{- $_ = set $e "TONGBAN_KAFKA_TOPIC_PARTITIONS" $v.kafka.topicPartitions -}}
{{- $_ = set $e "TONGBAN_KAFKA_PROP_SECURITY_PROTOCOL" (include "tongban.kafkaSecurityProtocol" .root) -}}
{{- if $v.kafka.tls.enabled -}}
{{- if $v.kafka.tls.existingSecret -}}
{{- $_ = set $e "TONGBAN_KAFKA_PROP_SSL_CA_LOCATION" (printf "/etc/tongban/kafka-tls/%s" $v.kafka.tls.caKey) -}}
{{- if $v.kafka.tls.certKey -}}
{{- $_ = set $e "TONGBAN_KAFKA_PROP_SSL_CERTIFICATE_LOCATION" (printf "/etc/tongban/kafka-tls/%s" $v.kafka.tls.certKey) -}}
{{- end -}}
{{- if $v.kafka.tls.keyKey -}}
{{- $_ = set $e "TONGBAN_KAFKA_PROP_SSL_KEY_LOCATION" (printf "/etc/tongban/kafka-tls/%s" $v.kafka.tls.keyKey) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $v.kafka.sasl.enabled -}}
{{- $_ = set $e "TONGBAN_KAFKA_PROP_SASL_MECHANISM" $v.kafka.sasl.mechanism -}}
{{- $_ = set $e "TONGBAN_KAFKA_PROP_SASL_USERNAME" (required "kafka.sasl.username is required with kafka.sasl.enabled" $v.kafka.sasl.username) -}}
{{- $_ = set $e "TONGBAN_KAFKA_SASL_PASSWORD_FILE" "/etc/tongban/secrets/kafka-sasl/password" -}}
{{- end -}}
{{- range $prop, $value := $v.kafka.properties -}}
{{- $_ = set $e (printf "TONGBAN_KAFKA_PROP_%s" ($prop | upper | replace "." "_")) $value -}}
{{- end -}}
{{- $_ = set $e "TONGBAN_JWKS_URL" (include "tongban.jwksUrl" .root) -}}
{{- $_ = set $e "TONGBAN_JWT_ISSUER" $v.auth.issuer -}}
{{- $_ = set $e "TONGBAN_JWT_AUDIENCE" $v.auth.audience -}}
{{- $_ = set $e "TONGBAN_JWKS_REFRESH_MS" $v.auth.jwksRefreshMs -}}
{{- range $name, $value := .env -}}
{{- $_ = set $e $name (kindIs "string" $value | ternary (tpl (toString $value) $.root) $value) -}}
{{- end -}}
{{- toYaml $e -}}
{{- end -}}

{{/* Secret volumes (Redis password, Kafka SASL password, Kafka TLS) every tongban pod mounts. */}}
{{- define "tongban.platformSecretVolumes" -}}
{{- $v := .Values -}}
{{- if $v.redis.auth.existingSecret }}
- name: redis-password
  secret:
    secretName: {{ $v.redis.auth.existingSecret }}
    defaultMode: 0440
    items:
      - {key: {{ $v.redis.auth.passwordKey }}, path: password}
{{- end }}
{{- if $v.kafka.sasl.enabled }}
- name: kafka-sasl-password
  secret:
    secretName: {{ required "kafka.sasl.existingSecret is required with kafka.sasl.enabled" $v.kafka.sasl.existingSecret }}
    defaultMode: 0440
    items:
      - {key: {{ $v.kafka.sasl.passwordKey }}, path: password}
{{- end }}
{{- if and $v.kafka.tls.enabled $v.kafka.tls.existingSecret }}
- name: kafka-tls
  secret:
    secretName: {{ $v.kafka.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "tongban.platformSecretMounts" -}}
{{- $v := .Values -}}
{{- if $v.redis.auth.existingSecret }}
- {name: redis-password, mountPath: /etc/tongban/secrets/redis, readOnly: true}
{{- end }}
{{- if $v.kafka.sasl.enabled }}
- {name: kafka-sasl-password, mountPath: /etc/tongban/secrets/kafka-sasl, readOnly: true}
{{- end }}
{{- if and $v.kafka.tls.enabled $v.kafka.tls.existingSecret }}
- {name: kafka-tls, mountPath: /etc/tongban/kafka-tls, readOnly: true}
{{- end }}
{{- end -}}

{{/* Checks every template relies on; rendered once, from deployments.yaml. */}}
{{- define "tongban.validate" -}}
{{- $v := .Values -}}
{{- $minGrace := add (div $v.drainTimeoutMs 1000) $v.preStopSleepSeconds 5 -}}
{{- if le (int $v.terminationGracePeriodSeconds) (int $minGrace) -}}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed drainTimeoutMs/1000 + preStopSleepSeconds + 5 = %v, or SIGKILL cuts the drain short" $v.terminationGracePeriodSeconds $minGrace) -}}
{{- end -}}
{{- range $name, $svc := $v.services -}}
{{- range $callee := $svc.calls -}}
{{- if not (hasKey $v.services $callee) -}}
{{- fail (printf "services.%s.calls names %q, which is not a service" $name $callee) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
