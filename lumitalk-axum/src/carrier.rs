//! The carrier routes: every webhook goes through one intake
//! ([`lumitalk_twilio::extract::verify_and_parse_with`]), one turn of the
//! assistant, and the carrier's rendering of the reply; `/audio/{id}` streams
//! synthesized audio for the carrier's `<Play>`.

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lumitalk_core::AudioId;
use lumitalk_twilio::extract::verify_and_parse_with;

use crate::metrics;
use crate::service::AppState;

/// The carrier routes, relative to the public URL.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/twilio/voice",
            post(|s: State<AppState>, r: Request| webhook(s, r, "voice"))
                .get(|s: State<AppState>, r: Request| webhook(s, r, "voice")),
        )
        .route(
            "/twilio/gather",
            post(|s: State<AppState>, r: Request| webhook(s, r, "gather")),
        )
        .route(
            "/twilio/dial",
            post(|s: State<AppState>, r: Request| webhook(s, r, "dial")),
        )
        .route(
            "/twilio/status",
            post(|s: State<AppState>, r: Request| webhook(s, r, "status")),
        )
        .route("/audio/{id}", get(audio))
}

/// One carrier callback: verify, parse, run the turn, render.
async fn webhook(State(state): State<AppState>, req: Request, route: &'static str) -> Response {
    let event = match verify_and_parse_with(&*state.telephony, &state.public_url, req).await {
        Ok(event) => event,
        Err(rejection) => {
            let status = if rejection.0.is_auth_failure() {
                tracing::warn!(route, error = %rejection.0, "refused carrier webhook");
                403
            } else {
                tracing::warn!(route, error = %rejection.0, "malformed carrier webhook");
                400
            };
            metrics::webhook(route, status);
            return rejection.into_response();
        }
    };
    let started = Instant::now();
    let outcome = state.assistant.handle(event).await;
    let records = state.assistant.records().name();
    metrics::turn(&outcome, started.elapsed(), records);
    state.health.note_failures(&outcome.errors);
    let rendered = match outcome.turn {
        Some(turn) => state.telephony.render_turn(&outcome.reply, turn),
        None => state.telephony.render(&outcome.reply),
    };
    metrics::webhook(route, 200);
    (
        [(header::CONTENT_TYPE, rendered.content_type)],
        rendered.body,
    )
        .into_response()
}

/// `GET /audio/{id}`: synthesized audio for the carrier's `<Play>`, streamed as
/// it arrives when synthesis is still running (chunked transfer encoding). A
/// synthesis that fails mid-way aborts the response, so the carrier never
/// mistakes truncated audio for a complete file.
async fn audio(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !AudioId::is_well_formed(&id) {
        return (StatusCode::NOT_FOUND, "no such audio").into_response();
    }
    let store = state.assistant.audio_store();
    match store.get_stream(&AudioId::new(id)).await {
        Ok(Some(stream)) => (
            [
                (header::CONTENT_TYPE, stream.format().content_type()),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            Body::from_stream(stream),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such audio").into_response(),
        Err(e) => {
            tracing::warn!(
                provider = store.name(),
                kind = e.kind().as_str(),
                "audio store failed"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "audio unavailable").into_response()
        }
    }
}
