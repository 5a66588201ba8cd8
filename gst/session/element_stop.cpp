#include "element_stop.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

GST_DEBUG_CATEGORY_STATIC(amsrtc_element_stop_debug);
#define GST_CAT_DEFAULT amsrtc_element_stop_debug

namespace amsrtc::session {

namespace {

void init_debug() {
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    GST_DEBUG_CATEGORY_INIT(amsrtc_element_stop_debug, "amsrtcstop", 0,
                            "amsrtc: stopping webrtcbins and what is inside them");
    g_once_init_leave(&done, 1);
  }
}

// Calls `visit` for every element inside `bin`, nested bins included.
void for_each_child(GstBin *bin, const std::function<void(GstElement *)> &visit) {
  GstIterator *children = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(children, &item)) {
      case GST_ITERATOR_OK:
        visit(GST_ELEMENT(g_value_get_object(&item)));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(children);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(children);
}

bool is_made_by(GstElement *element, const char *factory_name) {
  GstElementFactory *factory = gst_element_get_factory(element);
  return factory != nullptr && g_str_equal(GST_OBJECT_NAME(factory), factory_name);
}

// On sctpenc's source pad: the events that would restart its task.
GstPadProbeReturn drop_task_restarts(GstPad *, GstPadProbeInfo *info, gpointer) {
  const GstEventType type = GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info));
  return type == GST_EVENT_RECONFIGURE || type == GST_EVENT_FLUSH_STOP ? GST_PAD_PROBE_DROP
                                                                        : GST_PAD_PROBE_OK;
}

void keep_sctpenc_from_restarting(GstElement *element) {
  if (!is_made_by(element, "sctpenc")) return;
  GstPad *src = gst_element_get_static_pad(element, "src");
  if (src == nullptr) return;
  gst_pad_add_probe(src,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_EVENT_UPSTREAM |
                                                 GST_PAD_PROBE_TYPE_EVENT_FLUSH),
                    drop_task_restarts, nullptr, nullptr);
  gst_object_unref(src);
}

// If sctpenc's source task runs, it is blocked on its packet queue: stop it
// the way sctpenc's own FLUSH_START does (the queue starts flushing, the
// task pauses), then join it. The event function is called directly: the
// pad is inactive, so it would refuse the event.
void stop_restarted_task(GstElement *sctpenc) {
  GstPad *src = gst_element_get_static_pad(sctpenc, "src");
  if (src == nullptr) return;
  GST_OBJECT_LOCK(src);
  GstTask *task =
      GST_PAD_TASK(src) != nullptr ? GST_TASK(gst_object_ref(GST_PAD_TASK(src))) : nullptr;
  GstPadEventFunction event_function = GST_PAD_EVENTFUNC(src);
  GST_OBJECT_UNLOCK(src);
  if (task != nullptr && gst_task_get_state(task) == GST_TASK_STARTED &&
      event_function != nullptr) {
    GST_WARNING_OBJECT(sctpenc,
                       "its source task started again after it stopped (an event that was under "
                       "way when it stopped): stopping it");
    event_function(src, GST_OBJECT(sctpenc), gst_event_new_flush_start());
    gst_pad_stop_task(src);
  }
  if (task != nullptr) gst_object_unref(task);
  gst_object_unref(src);
}

// Looks at each stopped sctpenc again a while after the stop, on a thread of
// its own, and holds a reference until then. The drop probe above stops
// every RECONFIGURE or FLUSH_STOP that arrives after it is added, but not
// one whose handling had begun just before: that handler restarts the task
// after the stop. Then whoever drops the last reference, finalizing the
// source pad, waits for the task forever (amsrtc-server's main thread did,
// from a bus message that held a stopped webrtcbin). Holding a reference
// here means the last one goes on this thread, after the check.
class LateRestartCheck {
 public:
  static LateRestartCheck &instance() {
    static auto *check = new LateRestartCheck;  // never destroyed: its thread runs to the end
    return *check;
  }

  void add(GstElement *sctpenc) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_started_) {
      std::thread([this] { run(); }).detach();
      thread_started_ = true;
    }
    pending_.push_back(
        {std::chrono::steady_clock::now() + kDelay, GST_ELEMENT(gst_object_ref(sctpenc))});
    wake_.notify_one();
  }

 private:
  // Far longer than an event handler takes, short enough that stopped
  // elements do not pile up.
  static constexpr std::chrono::milliseconds kDelay{1000};

  struct Pending {
    std::chrono::steady_clock::time_point due;
    GstElement *sctpenc;
  };

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return !pending_.empty(); });
      const auto due = pending_.front().due;
      if (std::chrono::steady_clock::now() < due) {
        wake_.wait_until(lock, due);
        continue;
      }
      GstElement *sctpenc = pending_.front().sctpenc;
      pending_.pop_front();
      lock.unlock();
      stop_restarted_task(sctpenc);
      gst_object_unref(sctpenc);
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> pending_;  // in order of `due`: one delay for all
  bool thread_started_ = false;
};

void check_later_for_a_restart(GstElement *element) {
  if (is_made_by(element, "sctpenc")) LateRestartCheck::instance().add(element);
}

}  // namespace

void stop_element_and_children(GstElement *element) {
  init_debug();
  if (GST_IS_BIN(element)) {
    for_each_child(GST_BIN(element), keep_sctpenc_from_restarting);
  } else {
    keep_sctpenc_from_restarting(element);
  }
  gst_element_set_state(element, GST_STATE_NULL);
  if (!GST_IS_BIN(element)) {
    check_later_for_a_restart(element);
    return;
  }
  for_each_child(GST_BIN(element), [element](GstElement *child) {
    check_later_for_a_restart(child);
    if (GST_STATE(child) == GST_STATE_NULL) return;
    GST_INFO_OBJECT(child, "still %s inside a stopped %s: stopping it",
                    gst_element_state_get_name(GST_STATE(child)), GST_OBJECT_NAME(element));
    gst_element_set_state(child, GST_STATE_NULL);
  });
}

}  // namespace amsrtc::session
