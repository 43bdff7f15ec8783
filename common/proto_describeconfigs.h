/* proto_describeconfigs.h - DescribeConfigs (key 32), versions 0-4
 * (flexible 4+).
 *
 * Request: Resources[{ResourceType, ResourceName, ConfigurationKeys
 * (nullable: null = every key)}], IncludeSynonyms (v1+),
 * IncludeDocumentation (v3+). Response: ThrottleTimeMs, Results[{ErrorCode,
 * ErrorMessage (nullable), ResourceType, ResourceName, Configs[{Name, Value
 * (nullable), ReadOnly, IsDefault (v0 only), ConfigSource (v1+),
 * IsSensitive, Synonyms (v1+)[{Name, Value (nullable), Source}], ConfigType
 * (v3+), Documentation (v3+, nullable)}]}]. v2 has the v1 layout (it added
 * synonym source types). librdkafka sends v1 or v4, kafka-python v2.
 *
 * The codec is generated from common/schema/apis.schema: sk_describeconfigs_
 * {req,resp}_t, sk_describeconfigs_{req,resp}_{decode,encode,size,free,init}
 * and SK_DESCRIBECONFIGS_{MIN,MAX,FLEX}_VER in proto_gen.h. IsDefault is
 * not ignorable: a handler sets it at v0 only (ConfigSource, ignorable,
 * says the same from v1).
 * @locality any
 */
#ifndef SK_PROTO_DESCRIBECONFIGS_H
#define SK_PROTO_DESCRIBECONFIGS_H

#include "proto_gen.h"

/* ResourceType values (Kafka's ConfigResource.Type ids). */
#define SK_CONFIG_RESOURCE_UNKNOWN 0
#define SK_CONFIG_RESOURCE_TOPIC 2
#define SK_CONFIG_RESOURCE_BROKER 4
#define SK_CONFIG_RESOURCE_BROKER_LOGGER 8

/* ConfigSource / synonym Source values. */
#define SK_CONFIG_SOURCE_UNKNOWN 0
#define SK_CONFIG_SOURCE_TOPIC 1
#define SK_CONFIG_SOURCE_DYNAMIC_BROKER 2
#define SK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER 3
#define SK_CONFIG_SOURCE_STATIC_BROKER 4
#define SK_CONFIG_SOURCE_DEFAULT 5
#define SK_CONFIG_SOURCE_DYNAMIC_BROKER_LOGGER 6

/* ConfigType values (v3+; Kafka's DescribeConfigsResponse.ConfigType). */
#define SK_CONFIG_TYPE_UNKNOWN 0
#define SK_CONFIG_TYPE_BOOLEAN 1
#define SK_CONFIG_TYPE_STRING 2
#define SK_CONFIG_TYPE_INT 3
#define SK_CONFIG_TYPE_SHORT 4
#define SK_CONFIG_TYPE_LONG 5
#define SK_CONFIG_TYPE_DOUBLE 6
#define SK_CONFIG_TYPE_LIST 7
#define SK_CONFIG_TYPE_CLASS 8
#define SK_CONFIG_TYPE_PASSWORD 9

/* The nested structs under their shorter names. */
typedef sk_describeconfigs_req_resource_t sk_describeconfigs_resource_t;
typedef sk_describeconfigs_resp_result_t sk_describeconfigs_result_t;
typedef sk_describeconfigs_resp_config_t sk_describeconfigs_config_t;
typedef sk_describeconfigs_resp_synonym_t sk_describeconfigs_synonym_t;

#endif
