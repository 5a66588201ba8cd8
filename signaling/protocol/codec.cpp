// The JSON codec. decode() walks a message struct's fields() (field.h) and
// reads each member with the read_value() overload for its C++ type;
// encode() does the same with write_value(). Adding a member type means
// adding one read_value and one write_value overload.
#include "codec.h"

#include <json-glib/json-glib.h>

#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>

#include "json_prescan.h"
#include "stream_id.h"

namespace amsrtc::protocol {
namespace {

// ---------------------------------------------------------------------------
// Decoding

// Carries the command being decoded and the first error met.
struct DecodeContext {
  std::string_view command;
  DecodeError error;

  bool fail(DecodeErrorKind kind, std::string_view field, std::string_view expected = {}) {
    error.kind = kind;
    error.command = std::string(command);
    error.field = std::string(field);
    error.expected = std::string(expected);
    return false;
  }
};

bool holds_string(JsonNode *node) {
  return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

bool holds_bool(JsonNode *node) {
  return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_BOOLEAN;
}

// An integer from a JSON integer, an integral JSON double, or (when the field
// allows it) a numeric string. nullopt when the node is none of these.
std::optional<int64_t> node_as_integer(JsonNode *node, bool allow_string, bool *out_of_range) {
  *out_of_range = false;
  if (!JSON_NODE_HOLDS_VALUE(node)) return std::nullopt;
  const GType type = json_node_get_value_type(node);
  if (type == G_TYPE_INT64) return json_node_get_int(node);
  if (type == G_TYPE_DOUBLE) {
    const double d = json_node_get_double(node);
    if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
    // Integral but beyond int64: a number, just far out of any range.
    if (std::fabs(d) >= 9.2e18) {
      *out_of_range = true;
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  if (type == G_TYPE_STRING && allow_string) {
    const char *s = json_node_get_string(node);
    if (s == nullptr || *s == '\0') return std::nullopt;
    const char *p = (*s == '-') ? s + 1 : s;
    if (*p == '\0' || std::strlen(p) > 18) {
      *out_of_range = (*p != '\0' && std::strspn(p, "0123456789") == std::strlen(p));
      return std::nullopt;
    }
    if (std::strspn(p, "0123456789") != std::strlen(p)) return std::nullopt;
    return g_ascii_strtoll(s, nullptr, 10);
  }
  return std::nullopt;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, std::string &out, const Field<Owner, Value> &f,
                DecodeContext &ctx) {
  if (!holds_string(node)) return ctx.fail(DecodeErrorKind::kWrongType, f.name, "a string");
  out = json_node_get_string(node);
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, bool &out, const Field<Owner, Value> &f, DecodeContext &ctx) {
  if (!holds_bool(node)) return ctx.fail(DecodeErrorKind::kWrongType, f.name, "a boolean");
  out = json_node_get_boolean(node);
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, int64_t &out, const Field<Owner, Value> &f, DecodeContext &ctx) {
  bool out_of_range = false;
  const auto number = node_as_integer(node, (f.flags & kNumericString) != 0, &out_of_range);
  const std::string range = std::to_string(f.range.min) + ".." + std::to_string(f.range.max);
  if (out_of_range) return ctx.fail(DecodeErrorKind::kOutOfRange, f.name, range);
  if (!number) return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an integer");
  if (*number < f.range.min || *number > f.range.max) {
    return ctx.fail(DecodeErrorKind::kOutOfRange, f.name, range);
  }
  out = *number;
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, SdpType &out, const Field<Owner, Value> &f, DecodeContext &ctx) {
  const char *text = holds_string(node) ? json_node_get_string(node) : "";
  if (std::strcmp(text, "offer") == 0) {
    out = SdpType::kOffer;
  } else if (std::strcmp(text, "answer") == 0) {
    out = SdpType::kAnswer;
  } else {
    return ctx.fail(DecodeErrorKind::kWrongType, f.name, "\"offer\" or \"answer\"");
  }
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, std::vector<std::string> &out, const Field<Owner, Value> &f,
                DecodeContext &ctx) {
  if (!JSON_NODE_HOLDS_ARRAY(node)) {
    return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an array of strings");
  }
  JsonArray *array = json_node_get_array(node);
  out.clear();
  for (guint i = 0; i < json_array_get_length(array); ++i) {
    JsonNode *element = json_array_get_element(array, i);
    if (!holds_string(element)) {
      return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an array of strings");
    }
    out.emplace_back(json_node_get_string(element));
  }
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, IdMapping &out, const Field<Owner, Value> &f, DecodeContext &ctx) {
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an object of strings");
  }
  JsonObject *object = json_node_get_object(node);
  out.clear();
  g_autoptr(GList) names = json_object_get_members(object);
  for (GList *l = names; l != nullptr; l = l->next) {
    const char *name = static_cast<const char *>(l->data);
    JsonNode *member = json_object_get_member(object, name);
    if (!holds_string(member)) {
      return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an object of strings");
    }
    out[name] = json_node_get_string(member);
  }
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, RawJson &out, const Field<Owner, Value> &, DecodeContext &) {
  g_autofree char *text = json_to_string(node, FALSE);
  out.text = text;
  return true;
}

template <typename Owner, typename Value>
bool read_value(JsonNode *node, RoomMembers &out, const Field<Owner, Value> &f, DecodeContext &ctx);

template <typename Owner, typename Value, typename Nested>
bool read_value(JsonNode *node, std::vector<Nested> &out, const Field<Owner, Value> &f,
                DecodeContext &ctx);

template <typename Owner, typename Value, typename Inner>
bool read_value(JsonNode *node, std::optional<Inner> &out, const Field<Owner, Value> &f,
                DecodeContext &ctx) {
  Inner inner{};
  if (!read_value(node, inner, f, ctx)) return false;
  out = std::move(inner);
  return true;
}

// Empty for the purpose of "missing, null and \"\" alike" (§2).
inline bool is_absent_value(const std::string &s) { return s.empty(); }
template <typename T>
bool is_absent_value(const T &) {
  return false;
}

// The member `name`, or null when it is missing, null or "": the protocol
// treats the three alike (§2), whatever type the member should have.
JsonNode *find_member(JsonObject *object, const char *name) {
  if (name == nullptr) return nullptr;
  JsonNode *node = json_object_get_member(object, name);
  if (node == nullptr || JSON_NODE_HOLDS_NULL(node)) return nullptr;
  if (holds_string(node) && *json_node_get_string(node) == '\0') return nullptr;
  return node;
}

std::string truncated_for_reply(const std::string &value) {
  constexpr std::size_t kMax = kMaxStreamIdLength;
  if (value.size() <= kMax) return value;
  // Cut on a UTF-8 boundary so the reply stays valid UTF-8.
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut) + "...";
}

template <typename Target, typename Owner, typename Value>
bool read_field(JsonObject *object, const Field<Owner, Value> &f, Target &target,
                DecodeContext &ctx) {
  JsonNode *node = find_member(object, f.name);
  if (node == nullptr) node = find_member(object, f.alias);
  Value &value = target.*(f.member);
  if (node != nullptr && !read_value(node, value, f, ctx)) return false;
  if ((f.flags & kRequired) && (node == nullptr || is_absent_value(value))) {
    return ctx.fail(DecodeErrorKind::kMissingField, f.name);
  }
  if constexpr (std::is_same_v<Value, std::string>) {
    if ((f.flags & kStreamId) && !value.empty() && !is_valid_stream_id(value)) {
      ctx.fail(DecodeErrorKind::kInvalidStreamId, f.name);
      ctx.error.value = truncated_for_reply(value);
      return false;
    }
  }
  return true;
}

template <typename T>
bool read_object(JsonObject *object, T &out, DecodeContext &ctx) {
  return std::apply([&](const auto &...f) { return (read_field(object, f, out, ctx) && ...); },
                    T::fields());
}

template <typename Owner, typename Value, typename Nested>
bool read_value(JsonNode *node, std::vector<Nested> &out, const Field<Owner, Value> &f,
                DecodeContext &ctx) {
  if (!JSON_NODE_HOLDS_ARRAY(node)) {
    return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an array of objects");
  }
  JsonArray *array = json_node_get_array(node);
  out.clear();
  for (guint i = 0; i < json_array_get_length(array); ++i) {
    JsonNode *element = json_array_get_element(array, i);
    if (!JSON_NODE_HOLDS_OBJECT(element)) {
      return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an array of objects");
    }
    Nested nested{};
    if (!read_object(json_node_get_object(element), nested, ctx)) return false;
    out.push_back(std::move(nested));
  }
  return true;
}

// `streamList` holds objects, `streams` holds ids; accept either (and a
// list mixing both forms) so members survive whichever the peer sent.
template <typename Owner, typename Value>
bool read_value(JsonNode *node, RoomMembers &out, const Field<Owner, Value> &f,
                DecodeContext &ctx) {
  if (!JSON_NODE_HOLDS_ARRAY(node)) {
    return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an array");
  }
  JsonArray *array = json_node_get_array(node);
  out.entries.clear();
  for (guint i = 0; i < json_array_get_length(array); ++i) {
    JsonNode *element = json_array_get_element(array, i);
    StreamListEntry entry;
    if (holds_string(element)) {
      // An id alone must be a valid stream id, as the object form's is.
      entry.stream_id = json_node_get_string(element);
      if (!is_valid_stream_id(entry.stream_id)) {
        ctx.fail(DecodeErrorKind::kInvalidStreamId, f.name);
        ctx.error.value = truncated_for_reply(entry.stream_id);
        return false;
      }
    } else if (JSON_NODE_HOLDS_OBJECT(element)) {
      if (!read_object(json_node_get_object(element), entry, ctx)) return false;
    } else {
      return ctx.fail(DecodeErrorKind::kWrongType, f.name, "an array of stream ids or objects");
    }
    out.entries.push_back(std::move(entry));
  }
  return true;
}

using DecodeFunction = std::optional<Message> (*)(JsonObject *, DecodeContext &);

template <typename T>
std::optional<Message> decode_as(JsonObject *object, DecodeContext &ctx) {
  T message{};
  if (!read_object(object, message, ctx)) return std::nullopt;
  return Message{std::move(message)};
}

struct CommandEntry {
  std::string_view name;
  DecodeFunction decode;
};

template <std::size_t... I>
constexpr auto make_command_table(std::index_sequence<I...>) {
  return std::array<CommandEntry, sizeof...(I)>{
      CommandEntry{std::variant_alternative_t<I, Message>::kCommand,
                   &decode_as<std::variant_alternative_t<I, Message>>}...};
}

constexpr auto kCommandTable =
    make_command_table(std::make_index_sequence<std::variant_size_v<Message>>());

struct JsonParserHolder {
  JsonParser *parser = json_parser_new_immutable();
  ~JsonParserHolder() { g_object_unref(parser); }
};

DecodeError make_error(DecodeErrorKind kind, std::string detail = {}) {
  DecodeError error;
  error.kind = kind;
  error.detail = std::move(detail);
  return error;
}

// ---------------------------------------------------------------------------
// Encoding

void write_value(JsonBuilder *b, const std::string &v) {
  json_builder_add_string_value(b, v.c_str());
}
void write_value(JsonBuilder *b, bool v) { json_builder_add_boolean_value(b, v); }
void write_value(JsonBuilder *b, int64_t v) { json_builder_add_int_value(b, v); }
void write_value(JsonBuilder *b, SdpType v) {
  json_builder_add_string_value(b, v == SdpType::kOffer ? "offer" : "answer");
}
void write_value(JsonBuilder *b, const std::vector<std::string> &v) {
  json_builder_begin_array(b);
  for (const auto &s : v) json_builder_add_string_value(b, s.c_str());
  json_builder_end_array(b);
}
void write_value(JsonBuilder *b, const IdMapping &v) {
  json_builder_begin_object(b);
  for (const auto &[mid, track] : v) {
    json_builder_set_member_name(b, mid.c_str());
    json_builder_add_string_value(b, track.c_str());
  }
  json_builder_end_object(b);
}
void write_value(JsonBuilder *b, const RawJson &v) {
  JsonNode *node = json_from_string(v.text.c_str(), nullptr);
  if (node == nullptr) node = json_node_new(JSON_NODE_NULL);
  json_builder_add_value(b, node);  // takes ownership
}
template <typename T>
void write_object_members(JsonBuilder *b, const T &message);
template <typename Nested>
void write_value(JsonBuilder *b, const std::vector<Nested> &v) {
  json_builder_begin_array(b);
  for (const auto &nested : v) {
    json_builder_begin_object(b);
    write_object_members(b, nested);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}
void write_value(JsonBuilder *b, const RoomMembers &v) { write_value(b, v.entries); }
template <typename Inner>
void write_value(JsonBuilder *b, const std::optional<Inner> &v) {
  write_value(b, *v);
}

template <typename T>
bool should_emit(const T &, unsigned) {
  return true;
}
inline bool should_emit(const std::string &v, unsigned flags) {
  return !v.empty() || (flags & kAlwaysEmit);
}
inline bool should_emit(const RawJson &v, unsigned) { return !v.text.empty(); }
inline bool should_emit(const std::vector<std::string> &v, unsigned flags) {
  return !v.empty() || (flags & kAlwaysEmit);
}
template <typename Inner>
bool should_emit(const std::optional<Inner> &v, unsigned) {
  return v.has_value();
}

// The alias spelling of room members is `streams`: the ids only.
template <typename Value>
void write_alias_value(JsonBuilder *b, const Value &v) {
  write_value(b, v);
}
void write_alias_value(JsonBuilder *b, const RoomMembers &v) { write_value(b, v.ids()); }
void write_alias_value(JsonBuilder *b, const std::optional<RoomMembers> &v) {
  write_value(b, v->ids());
}

template <typename Target, typename Owner, typename Value>
void write_field(JsonBuilder *b, const Field<Owner, Value> &f, const Target &target) {
  const Value &value = target.*(f.member);
  if (!should_emit(value, f.flags)) return;
  json_builder_set_member_name(b, f.name);
  write_value(b, value);
  if (f.alias != nullptr && (f.flags & kEmitAlias)) {
    json_builder_set_member_name(b, f.alias);
    write_alias_value(b, value);
  }
}

template <typename T>
void write_object_members(JsonBuilder *b, const T &message) {
  std::apply([&](const auto &...f) { (write_field(b, f, message), ...); }, T::fields());
}

template <typename T>
using StreamIdMember = decltype(std::declval<T>().stream_id);

template <typename T, typename = void>
constexpr bool kHasStreamId = false;
template <typename T>
constexpr bool kHasStreamId<T, std::void_t<StreamIdMember<T>>> = true;

}  // namespace

// ---------------------------------------------------------------------------

std::vector<std::string> RoomMembers::ids() const {
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (const auto &entry : entries) ids.push_back(entry.stream_id);
  return ids;
}

std::string_view command_name(const Message &message) {
  return std::visit([](const auto &m) { return std::decay_t<decltype(m)>::kCommand; }, message);
}

std::string_view stream_id_of(const Message &message) {
  return std::visit(
      [](const auto &m) -> std::string_view {
        if constexpr (kHasStreamId<std::decay_t<decltype(m)>>) {
          return m.stream_id;
        } else {
          return {};
        }
      },
      message);
}

Decoded decode(std::string_view text, const DecodeLimits &limits) {
  if (text.size() > limits.max_bytes) {
    return make_error(DecodeErrorKind::kTooLarge, std::to_string(text.size()) + " bytes, limit " +
                                                      std::to_string(limits.max_bytes));
  }
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    return make_error(DecodeErrorKind::kNulCharacter, "NUL byte in the text");
  }
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return make_error(DecodeErrorKind::kInvalidUtf8);
  }
  const detail::PrescanResult scan = detail::prescan_json(text, limits.max_depth);
  using Problem = detail::PrescanResult::Problem;
  switch (scan.problem) {
    case Problem::kTooDeep:
      return make_error(DecodeErrorKind::kTooDeep, "limit " + std::to_string(limits.max_depth));
    case Problem::kNulEscape:
      return make_error(DecodeErrorKind::kNulCharacter, "\\u0000 in a string");
    case Problem::kDuplicateMember: {
      DecodeError error = make_error(DecodeErrorKind::kDuplicateMember);
      error.field = scan.duplicate_member;
      return error;
    }
    case Problem::kNotJson:
      return make_error(DecodeErrorKind::kInvalidJson,
                        "unexpected character at offset " + std::to_string(scan.offset));
    case Problem::kNone:
      break;
  }

  // One parser per thread, reused: creating a JsonParser (a GObject) per
  // message was a fifth of the decode cost on the server's relay path.
  static thread_local JsonParserHolder holder;
  JsonParser *parser = holder.parser;
  g_autoptr(GError) parse_error = nullptr;
  if (!json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()),
                                  &parse_error)) {
    return make_error(DecodeErrorKind::kInvalidJson, parse_error->message);
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root == nullptr) return make_error(DecodeErrorKind::kInvalidJson, "empty text");
  if (!JSON_NODE_HOLDS_OBJECT(root)) return make_error(DecodeErrorKind::kNotAnObject);
  JsonObject *object = json_node_get_object(root);
  if (json_object_get_size(object) != scan.top_level_members) {
    // Same name spelled with different escapes ("a" and "\u0061").
    DecodeError error = make_error(DecodeErrorKind::kDuplicateMember);
    error.field = "(a name spelled with escapes)";
    return error;
  }

  JsonNode *command_node = find_member(object, "command");
  if (command_node == nullptr) return make_error(DecodeErrorKind::kMissingCommand);
  if (!holds_string(command_node)) {
    DecodeError error = make_error(DecodeErrorKind::kWrongType);
    error.field = "command";
    error.expected = "a string";
    return error;
  }
  const std::string_view command = json_node_get_string(command_node);
  if (command.empty()) return make_error(DecodeErrorKind::kMissingCommand);

  for (const CommandEntry &entry : kCommandTable) {
    if (entry.name != command) continue;
    DecodeContext ctx{command, {}};
    if (auto message = entry.decode(object, ctx)) return std::move(*message);
    return std::move(ctx.error);
  }
  DecodeError error = make_error(DecodeErrorKind::kUnknownCommand);
  error.command = truncated_for_reply(std::string(command));
  return error;
}

std::string encode(const Message &message) {
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
  json_builder_begin_object(builder);
  std::visit(
      [&](const auto &m) {
        json_builder_set_member_name(builder, "command");
        json_builder_add_string_value(builder,
                                      std::string(std::decay_t<decltype(m)>::kCommand).c_str());
        write_object_members(builder, m);
      },
      message);
  json_builder_end_object(builder);
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_autofree char *text = json_to_string(root, FALSE);
  return text;
}

std::string DecodeError::describe() const {
  const std::string in = command.empty() ? "" : " in '" + command + "'";
  switch (kind) {
    case DecodeErrorKind::kTooLarge:
      return "message too large (" + detail + ")";
    case DecodeErrorKind::kInvalidUtf8:
      return "message is not valid UTF-8";
    case DecodeErrorKind::kNulCharacter:
      return "message contains a NUL character (" + detail + ")";
    case DecodeErrorKind::kTooDeep:
      return "message nests too deeply (" + detail + ")";
    case DecodeErrorKind::kInvalidJson:
      return "invalid JSON: " + detail;
    case DecodeErrorKind::kDuplicateMember:
      return "member '" + field + "' appears more than once";
    case DecodeErrorKind::kNotAnObject:
      return "message is not a JSON object";
    case DecodeErrorKind::kMissingCommand:
      return "message has no 'command'";
    case DecodeErrorKind::kUnknownCommand:
      return "unknown command '" + command + "'";
    case DecodeErrorKind::kMissingField:
      return "missing '" + field + "'" + in;
    case DecodeErrorKind::kWrongType:
      return "'" + field + "'" + in + " must be " + expected;
    case DecodeErrorKind::kOutOfRange:
      return "'" + field + "'" + in + " is out of range " + expected;
    case DecodeErrorKind::kInvalidStreamId:
      return "'" + field + "'" + in + " must be 1-128 characters of [A-Za-z0-9_.-], got '" + value +
             "'";
  }
  return "undecodable message";
}

Error error_reply_for(const DecodeError &error) {
  Error reply;
  reply.command_name = error.command;
  reply.parameter = error.field;
  reply.information = error.describe();
  switch (error.kind) {
    case DecodeErrorKind::kUnknownCommand:
      reply.definition = definition_text(ErrorKind::kUnsupportedCommand);
      break;
    case DecodeErrorKind::kMissingCommand:
      reply.definition = definition_text(ErrorKind::kMissingParameter);
      reply.parameter = "command";
      break;
    case DecodeErrorKind::kMissingField:
      reply.definition = definition_text(ErrorKind::kMissingParameter);
      break;
    case DecodeErrorKind::kWrongType:
    case DecodeErrorKind::kOutOfRange:
      reply.definition = definition_text(ErrorKind::kInvalidParameter);
      break;
    case DecodeErrorKind::kInvalidStreamId:
      reply.definition = definition_text(ErrorKind::kInvalidStreamName);
      if (error.field == "streamId") reply.stream_id = error.value;
      break;
    default:
      reply.definition = definition_text(ErrorKind::kInvalidJson);
      reply.parameter.clear();
      break;
  }
  return reply;
}

}  // namespace amsrtc::protocol
