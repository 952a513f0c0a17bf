//! The live parts of pages: one server-sent-event stream per page view. Each bus event
//! (and each second, for the clocks on screen) re-renders the view's fragments; those
//! that changed go out as an SSE event named after the fragment, which htmx's SSE
//! extension swaps in (`sse-swap="NAME"`). The extension reconnects by itself, and the
//! session outlives a restart of the box, so a wall screen comes back on its own.
//!
//! A view is a plain [`Render`] function, or a [`LiveView`] that keeps something of its
//! own between renderings and is told of each event the stream receives (the agent
//! desktop keeps its agent's stored statistics until one of the agent's events).

use crate::auth::Identity;
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A page view's fragments, rendered now: (name, HTML).
pub type Fragments = Pin<Box<dyn Future<Output = Vec<(&'static str, maud::Markup)>>>>;

/// What renders a view's fragments (each live page passes its own).
pub type Render = fn(Arc<WebState>, Identity) -> Fragments;

/// A view with memory of its own between renderings, one per stream.
pub trait LiveView {
    /// A bus event the stream received, before the rendering it leads to.
    fn saw(&mut self, _envelope: &events::Envelope) {}
    /// The stream fell behind the bus and lost events (which, it cannot know).
    fn missed(&mut self) {}
    fn render(&mut self, state: Arc<WebState>, identity: Identity) -> Fragments;
}

impl LiveView for Render {
    fn render(&mut self, state: Arc<WebState>, identity: Identity) -> Fragments {
        (*self)(state, identity)
    }
}

struct LiveFeed {
    view: Box<dyn LiveView>,
    state: Arc<WebState>,
    identity: Identity,
    events: tokio::sync::broadcast::Receiver<Arc<events::Envelope>>,
    tick: tokio::time::Interval,
    sent: HashMap<&'static str, String>,
    pending: VecDeque<web::Bytes>,
    first: bool,
}

impl LiveFeed {
    async fn next_chunk(&mut self) -> Option<web::Bytes> {
        use tokio::sync::broadcast::error::{RecvError, TryRecvError};
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            if !self.first {
                tokio::select! {
                    received = self.events.recv() => {
                        match received {
                            Ok(envelope) => self.view.saw(&envelope),
                            Err(RecvError::Lagged(_)) => self.view.missed(),
                            Err(RecvError::Closed) => return None,
                        }
                        // Whatever else is queued is covered by this one rendering.
                        loop {
                            match self.events.try_recv() {
                                Ok(envelope) => self.view.saw(&envelope),
                                Err(TryRecvError::Lagged(_)) => self.view.missed(),
                                Err(_) => break,
                            }
                        }
                    },
                    _ = self.tick.tick() => {}
                }
            }
            self.first = false;
            let fragments = self
                .view
                .render(self.state.clone(), self.identity.clone())
                .await;
            for (name, markup) in fragments {
                let html = markup.into_string();
                if self.sent.get(name) == Some(&html) {
                    continue;
                }
                self.pending.push_back(sse_event(name, &html));
                self.sent.insert(name, html);
            }
            if self.pending.is_empty() {
                // Nothing changed: a comment keeps proxies and the browser's timer alive.
                return Some(web::Bytes::from_static(b": unchanged\n\n"));
            }
        }
    }
}

/// One SSE event; every line of the HTML is a `data:` line (the client joins them).
fn sse_event(name: &str, html: &str) -> web::Bytes {
    let mut text = format!("event: {name}\n");
    for line in html.lines() {
        text.push_str("data: ");
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    web::Bytes::from(text)
}

/// The live stream of `render`'s view for this user.
pub fn stream(render: Render, state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    stream_view(Box::new(render), state, identity)
}

/// The live stream of `view` for this user.
pub fn stream_view(
    view: Box<dyn LiveView>,
    state: web::Data<WebState>,
    identity: Identity,
) -> HttpResponse {
    let state = state.into_inner();
    let events = state.events.live();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let feed = LiveFeed {
        view,
        state,
        identity,
        events,
        tick,
        sent: HashMap::new(),
        pending: VecDeque::new(),
        first: true,
    };
    let body = futures_util::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next_chunk().await?;
        Some((Ok::<_, std::convert::Infallible>(chunk), feed))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(body)
}

/// The element that holds a view's stream, and its connection state for the user.
pub fn connect(view_path: &str, content: maud::Markup) -> maud::Markup {
    maud::html! {
        div.live hx-ext="sse" sse-connect=(view_path) {
            (content)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_a_fragment_is_a_data_line() {
        let chunk = sse_event("queues", "<div>\n<b>2</b>\n</div>");
        assert_eq!(
            &chunk[..],
            b"event: queues\ndata: <div>\ndata: <b>2</b>\ndata: </div>\n\n"
        );
    }
}
