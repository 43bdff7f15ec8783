/* proto_describeconfigs.h - DescribeConfigs (key 32), versions 0-2 (not
 * flexible; the schema's first flexible version is 4).
 *
 * Request: Resources[{ResourceType, ResourceName, ConfigurationKeys
 * (nullable: null = every key)}], IncludeSynonyms (v1+).
 * Response: ThrottleTimeMs, Results[{ErrorCode, ErrorMessage (nullable),
 * ResourceType, ResourceName, Configs[{Name, Value (nullable), ReadOnly,
 * IsDefault (v0), ConfigSource (v1+), IsSensitive, Synonyms (v1+)[{Name,
 * Value (nullable), Source}]}]}]. v2 has the v1 layout (it added synonym
 * source types). librdkafka sends v1, kafka-python v2.
 *
 * Version gaps, as the encoders handle them:
 *  - IncludeSynonyms is not ignorable: true at v0 is SK_EINVAL.
 *  - IsDefault (v0) and ConfigSource (v1+) say the same thing, so each is
 *    written only where it exists: a handler may fill both for any version.
 *    Decoding v1+ sets IsDefault = (ConfigSource == DEFAULT_CONFIG); decoding
 *    v0 leaves ConfigSource at -1 (the schema default).
 *  - Synonyms are ignorable: dropped at v0 (decoded as an empty list).
 *
 * ConfigurationKeysCnt -1 = null; other lists are non-nullable (encoders
 * reject a negative Cnt or a null non-nullable string with SK_EINVAL,
 * decoders a null count). Strings are views into the decoded bytes; arrays
 * come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_DESCRIBECONFIGS_H
#define SK_PROTO_DESCRIBECONFIGS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_DESCRIBECONFIGS_MIN_VER 0
#define SK_DESCRIBECONFIGS_MAX_VER 2
#define SK_DESCRIBECONFIGS_FLEX_VER 4   /* not reached by this range */

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

typedef struct sk_describeconfigs_resource {
    int8_t ResourceType;             /* SK_CONFIG_RESOURCE_* */
    sk_str_t ResourceName;           /* topic name, or broker id as text */
    sk_str_t *ConfigurationKeys;
    int32_t ConfigurationKeysCnt;    /* -1 = null: all keys */
} sk_describeconfigs_resource_t;

typedef struct sk_describeconfigs_req {
    sk_describeconfigs_resource_t *Resources;
    int32_t ResourcesCnt;
    int IncludeSynonyms;             /* v1+ */
} sk_describeconfigs_req_t;

typedef struct sk_describeconfigs_synonym {
    sk_str_t Name;
    sk_str_t Value;                  /* nullable */
    int8_t Source;                   /* SK_CONFIG_SOURCE_* */
} sk_describeconfigs_synonym_t;

typedef struct sk_describeconfigs_config {
    sk_str_t Name;
    sk_str_t Value;                  /* nullable (e.g. sensitive) */
    int ReadOnly;
    int IsDefault;                   /* v0 on the wire (see above) */
    int8_t ConfigSource;             /* v1+ on the wire; -1 = unknown */
    int IsSensitive;
    sk_describeconfigs_synonym_t *Synonyms; /* v1+ */
    int32_t SynonymsCnt;
} sk_describeconfigs_config_t;

typedef struct sk_describeconfigs_result {
    int16_t ErrorCode;
    sk_str_t ErrorMessage;           /* nullable */
    int8_t ResourceType;
    sk_str_t ResourceName;
    sk_describeconfigs_config_t *Configs;
    int32_t ConfigsCnt;
} sk_describeconfigs_result_t;

typedef struct sk_describeconfigs_resp {
    int32_t ThrottleTimeMs;
    sk_describeconfigs_result_t *Results;
    int32_t ResultsCnt;
} sk_describeconfigs_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-2; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * non-nullable count, null non-nullable string, IncludeSynonyms at v0), in
 * which case w is left as it was. */
int sk_describeconfigs_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_describeconfigs_req_t *out);
int sk_describeconfigs_req_encode(sk_wr_t *w, int16_t version,
                                  const sk_describeconfigs_req_t *req);
int sk_describeconfigs_resp_encode(sk_wr_t *w, int16_t version,
                                   const sk_describeconfigs_resp_t *resp);
int sk_describeconfigs_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_describeconfigs_resp_t *out);

#endif
