#include "json_compare.h"

#include <json-glib/json-glib.h>

namespace amsrtc::testing {
namespace {

std::string node_text(JsonNode *node) {
  g_autofree char *text = json_to_string(node, FALSE);
  return text;
}

std::string compare(JsonNode *a, JsonNode *b, const std::string &path) {
  const std::string mismatch = path + ": " + node_text(a) + " vs " + node_text(b);
  if (json_node_get_node_type(a) != json_node_get_node_type(b)) return mismatch;
  switch (json_node_get_node_type(a)) {
    case JSON_NODE_NULL:
      return "";
    case JSON_NODE_VALUE:
      if (json_node_get_value_type(a) != json_node_get_value_type(b)) return mismatch;
      return node_text(a) == node_text(b) ? "" : mismatch;
    case JSON_NODE_ARRAY: {
      JsonArray *x = json_node_get_array(a);
      JsonArray *y = json_node_get_array(b);
      if (json_array_get_length(x) != json_array_get_length(y)) return mismatch;
      for (guint i = 0; i < json_array_get_length(x); ++i) {
        std::string d = compare(json_array_get_element(x, i), json_array_get_element(y, i),
                                path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case JSON_NODE_OBJECT: {
      JsonObject *x = json_node_get_object(a);
      JsonObject *y = json_node_get_object(b);
      if (json_object_get_size(x) != json_object_get_size(y)) return mismatch;
      g_autoptr(GList) names = json_object_get_members(x);
      for (GList *l = names; l != nullptr; l = l->next) {
        const char *name = static_cast<const char *>(l->data);
        if (!json_object_has_member(y, name)) return path + "." + name + ": missing";
        std::string d = compare(json_object_get_member(x, name), json_object_get_member(y, name),
                                path + "." + name);
        if (!d.empty()) return d;
      }
      return "";
    }
  }
  return mismatch;
}

}  // namespace

std::string json_difference(std::string_view expected, std::string_view actual) {
  g_autoptr(GError) error = nullptr;
  g_autoptr(JsonNode) a = json_from_string(std::string(expected).c_str(), &error);
  if (a == nullptr) return "expected is not JSON: " + std::string(expected);
  g_autoptr(JsonNode) b = json_from_string(std::string(actual).c_str(), &error);
  if (b == nullptr) return "actual is not JSON: " + std::string(actual);
  return compare(a, b, "$");
}

}  // namespace amsrtc::testing
