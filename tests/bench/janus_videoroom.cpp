#include "janus_videoroom.h"

#include <libsoup/soup.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace amsrtc::bench {

namespace {

// A reply to a transaction: the whole message, or nullptr (no reply, or the
// socket closed).
using Reply = std::function<void(JsonObject *message)>;

std::string object_text(JsonObject *object) {
  JsonNode *node = json_node_alloc();
  json_node_init_object(node, object);
  gchar *text = json_to_string(node, FALSE);
  std::string result = text;
  g_free(text);
  json_node_unref(node);
  return result;
}

}  // namespace

struct JanusVideoRoom::Impl {
  GMainContext *context = g_main_context_new();
  GMainLoop *loop = g_main_loop_new(context, FALSE);
  std::thread thread;
  SoupSession *soup = nullptr;
  SoupWebsocketConnection *socket = nullptr;  // the client thread's
  uint64_t session_id = 0;

  std::mutex mutex;  // guards what follows
  uint64_t next_transaction = 1;
  std::map<std::string, Reply> pending;
  std::map<uint64_t, EventHandler> handlers;

  // Runs `work` on the client thread.
  void invoke(std::function<void()> work) {
    auto *task = new std::function<void()>(std::move(work));
    g_main_context_invoke_full(
        context, G_PRIORITY_DEFAULT,
        [](gpointer data) -> gboolean {
          (*static_cast<std::function<void()> *>(data))();
          return G_SOURCE_REMOVE;
        },
        task, [](gpointer data) { delete static_cast<std::function<void()> *>(data); });
  }

  // Sends {"janus": kind, "transaction": ..., "session_id": ..., <extra>}.
  void send(const std::string &kind, const std::string &extra, Reply reply) {
    std::string transaction;
    {
      std::lock_guard<std::mutex> lock(mutex);
      transaction = "t" + std::to_string(next_transaction++);
      if (reply) pending[transaction] = std::move(reply);
    }
    std::string text = "{\"janus\":\"" + kind + "\",\"transaction\":\"" + transaction + "\"";
    if (session_id != 0) text += ",\"session_id\":" + std::to_string(session_id);
    if (!extra.empty()) text += "," + extra;
    text += "}";
    invoke([this, text] {
      if (socket != nullptr) soup_websocket_connection_send_text(socket, text.c_str());
    });
  }

  // Sends and waits up to 10 s for the reply; returns it as text ("" if none).
  std::string send_and_wait(const std::string &kind, const std::string &extra) {
    // Shared with the reply callback, which may run after a timeout.
    struct Wait {
      std::mutex mutex;
      std::condition_variable done;
      bool replied = false;
      std::string text;
    };
    auto wait = std::make_shared<Wait>();
    send(kind, extra, [wait](JsonObject *message) {
      std::lock_guard<std::mutex> lock(wait->mutex);
      if (message != nullptr) wait->text = object_text(message);
      wait->replied = true;
      wait->done.notify_one();
    });
    std::unique_lock<std::mutex> lock(wait->mutex);
    wait->done.wait_for(lock, std::chrono::seconds(10), [&] { return wait->replied; });
    return wait->text;
  }

  static void on_text(SoupWebsocketConnection *, gint type, GBytes *bytes, gpointer self_ptr) {
    if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
    auto *self = static_cast<Impl *>(self_ptr);
    gsize size = 0;
    const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
    JsonParser *parser = json_parser_new();
    if (json_parser_load_from_data(parser, data, static_cast<gssize>(size), nullptr) &&
        JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
      self->dispatch(json_node_get_object(json_parser_get_root(parser)));
    }
    g_object_unref(parser);
  }

  void dispatch(JsonObject *message) {
    const std::string kind = json_object_get_string_member_with_default(message, "janus", "");
    const std::string transaction =
        json_object_get_string_member_with_default(message, "transaction", "");
    if (kind == "ack") return;  // an asynchronous request was accepted; its event follows
    if (kind == "success" || kind == "error") {
      Reply reply;
      {
        std::lock_guard<std::mutex> lock(mutex);
        auto it = pending.find(transaction);
        if (it == pending.end()) return;
        reply = std::move(it->second);
        pending.erase(it);
      }
      reply(message);
      return;
    }
    const auto sender = static_cast<uint64_t>(json_object_get_int_member_with_default(message, "sender", 0));
    EventHandler handler;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = handlers.find(sender);
      if (it == handlers.end()) return;
      handler = it->second;
    }
    JanusEvent event;
    event.kind = kind;
    if (json_object_has_member(message, "plugindata")) {
      JsonObject *plugin = json_object_get_object_member(message, "plugindata");
      if (plugin != nullptr && json_object_has_member(plugin, "data")) {
        event.data = json_object_get_object_member(plugin, "data");
      }
    }
    if (json_object_has_member(message, "jsep")) {
      JsonObject *jsep = json_object_get_object_member(message, "jsep");
      event.jsep_type = json_object_get_string_member_with_default(jsep, "type", "");
      event.jsep_sdp = json_object_get_string_member_with_default(jsep, "sdp", "");
    }
    handler(event);
  }
};

JanusVideoRoom::JanusVideoRoom() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([impl = impl_.get()] {
    g_main_context_push_thread_default(impl->context);
    impl->soup = soup_session_new();
    g_main_loop_run(impl->loop);
    if (impl->socket != nullptr) {
      soup_websocket_connection_close(impl->socket, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      g_object_unref(impl->socket);
    }
    g_object_unref(impl->soup);
    g_main_context_pop_thread_default(impl->context);
  });
}

JanusVideoRoom::~JanusVideoRoom() {
  impl_->invoke([impl = impl_.get()] { g_main_loop_quit(impl->loop); });
  impl_->thread.join();
  g_main_loop_unref(impl_->loop);
  g_main_context_unref(impl_->context);
}

bool JanusVideoRoom::connect(const std::string &url, std::string *error) {
  std::mutex done_mutex;
  std::condition_variable done;
  bool finished = false;
  std::string failure;
  struct Attempt {
    Impl *impl;
    std::function<void(const std::string &)> finish;
  };
  auto *attempt = new Attempt{impl_.get(), [&](const std::string &why) {
                                std::lock_guard<std::mutex> lock(done_mutex);
                                failure = why;
                                finished = true;
                                done.notify_one();
                              }};
  impl_->invoke([attempt, url] {
    SoupMessage *request = soup_message_new("GET", url.c_str());
    if (request == nullptr) {
      attempt->finish("not a URL: " + url);
      delete attempt;
      return;
    }
    static const char *protocols[] = {"janus-protocol", nullptr};
    soup_session_websocket_connect_async(
        attempt->impl->soup, request, nullptr, const_cast<char **>(protocols), G_PRIORITY_DEFAULT,
        nullptr,
        [](GObject *source, GAsyncResult *result, gpointer data) {
          auto *attempt = static_cast<Attempt *>(data);
          GError *connect_error = nullptr;
          SoupWebsocketConnection *socket =
              soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &connect_error);
          if (socket == nullptr) {
            attempt->finish(connect_error->message);
            g_error_free(connect_error);
          } else {
            soup_websocket_connection_set_max_incoming_payload_size(socket, 4 << 20);
            g_signal_connect(socket, "message", G_CALLBACK(Impl::on_text), attempt->impl);
            attempt->impl->socket = socket;
            attempt->finish("");
          }
          delete attempt;
        },
        attempt);
    g_object_unref(request);
  });
  {
    std::unique_lock<std::mutex> lock(done_mutex);
    done.wait(lock, [&] { return finished; });
  }
  if (!failure.empty()) {
    *error = failure;
    return false;
  }
  const std::string reply = impl_->send_and_wait("create", "");
  JsonParser *parser = json_parser_new();
  if (!reply.empty() && json_parser_load_from_data(parser, reply.c_str(), -1, nullptr)) {
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    if (json_object_has_member(root, "data")) {
      impl_->session_id = static_cast<uint64_t>(
          json_object_get_int_member(json_object_get_object_member(root, "data"), "id"));
    }
  }
  g_object_unref(parser);
  if (impl_->session_id == 0) {
    *error = "Janus did not create a session: " + reply;
    return false;
  }
  // Janus ends a session that says nothing for 60 s.
  impl_->invoke([impl = impl_.get()] {
    GSource *keepalive = g_timeout_source_new_seconds(20);
    g_source_set_callback(
        keepalive,
        [](gpointer data) -> gboolean {
          static_cast<Impl *>(data)->send("keepalive", "", nullptr);
          return G_SOURCE_CONTINUE;
        },
        impl, nullptr);
    g_source_attach(keepalive, impl->context);
    g_source_unref(keepalive);
  });
  return true;
}

uint64_t JanusVideoRoom::attach(EventHandler handler) {
  const std::string reply =
      impl_->send_and_wait("attach", "\"plugin\":\"janus.plugin.videoroom\"");
  uint64_t handle = 0;
  JsonParser *parser = json_parser_new();
  if (!reply.empty() && json_parser_load_from_data(parser, reply.c_str(), -1, nullptr)) {
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    if (json_object_has_member(root, "data")) {
      handle = static_cast<uint64_t>(
          json_object_get_int_member(json_object_get_object_member(root, "data"), "id"));
    }
  }
  g_object_unref(parser);
  if (handle != 0) {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->handlers[handle] = std::move(handler);
  }
  return handle;
}

std::string JanusVideoRoom::request(uint64_t handle, const std::string &body_json) {
  const std::string reply = impl_->send_and_wait(
      "message", "\"handle_id\":" + std::to_string(handle) + ",\"body\":" + body_json);
  std::string data;
  JsonParser *parser = json_parser_new();
  if (!reply.empty() && json_parser_load_from_data(parser, reply.c_str(), -1, nullptr)) {
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    if (json_object_has_member(root, "plugindata")) {
      JsonObject *plugin = json_object_get_object_member(root, "plugindata");
      if (json_object_has_member(plugin, "data")) {
        data = object_text(json_object_get_object_member(plugin, "data"));
      }
    }
  }
  g_object_unref(parser);
  return data;
}

void JanusVideoRoom::message(uint64_t handle, const std::string &body_json,
                             const std::string &jsep_type, const std::string &jsep_sdp) {
  std::string extra = "\"handle_id\":" + std::to_string(handle) + ",\"body\":" + body_json;
  if (!jsep_type.empty()) {
    extra += ",\"jsep\":{\"type\":" + quote(jsep_type) + ",\"sdp\":" + quote(jsep_sdp) + "}";
  }
  impl_->send("message", extra, nullptr);
}

void JanusVideoRoom::trickle(uint64_t handle, unsigned mline, const std::string &mid,
                             const std::string &candidate) {
  impl_->send("trickle",
              "\"handle_id\":" + std::to_string(handle) + ",\"candidate\":{\"candidate\":" +
                  quote(candidate) + ",\"sdpMid\":" + quote(mid) +
                  ",\"sdpMLineIndex\":" + std::to_string(mline) + "}",
              nullptr);
}

std::string JanusVideoRoom::quote(const std::string &text) {
  JsonNode *node = json_node_alloc();
  json_node_init_string(node, text.c_str());
  gchar *quoted = json_to_string(node, FALSE);
  std::string result = quoted;
  g_free(quoted);
  json_node_unref(node);
  return result;
}

}  // namespace amsrtc::bench
