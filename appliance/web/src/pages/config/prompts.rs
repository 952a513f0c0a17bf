//! Prompts on the configuration page, heard before they are saved: a text spoken by the
//! box's own espeak-ng voices (then added to prompts.toml and applied with the rest), or
//! an uploaded WAV converted exactly as the box loads prompts (8 kHz mono) and saved as
//! `prompts/LANG/NAME.wav` by the configuration keeper, as a new version.

use super::{applied_summary, keeper, service_error};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, TECHNICIANS};
use crate::i18n::config_reasons::translate_reason;
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use config_store::ConfigFiles;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use std::path::Path;

/// A preview's text: a prompt, not a book.
const MAX_TEXT_CHARS: usize = 1000;
/// The largest WAV a technician may upload (minutes of CD-quality audio).
const MAX_WAV_BYTES: usize = 32 << 20;
/// The media engine's rate: what a caller hears.
const CALL_RATE: u32 = 8000;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/config/prompts/preview", TECHNICIANS, || {
            web::get().to(text_preview)
        }),
        Endpoint::post("/config/prompts/convert", TECHNICIANS, || {
            web::post().to(wav_preview)
        }),
        Endpoint::post("/config/prompts/recording", TECHNICIANS, || {
            web::post().to(save_recording)
        }),
    ]
}

/// The prompt tools under the prompts.toml editor.
pub fn trial(lang: Lang) -> Markup {
    html! {
        div #prompt-trial.card {
            h3 { (lang.t(Msg::PromptTry)) }
            label { (lang.t(Msg::PromptName)) input #prompt-name type="text" pattern="[A-Za-z0-9_-]+"; }
            label { (lang.t(Msg::PromptLanguage))
                select #prompt-language {
                    option value="en" { (lang.t(Msg::PromptEnglish)) }
                    option value="zh" { (lang.t(Msg::PromptMandarin)) }
                }
            }
            label { (lang.t(Msg::PromptText)) textarea #prompt-text rows="2" maxlength=(MAX_TEXT_CHARS) {} }
            button #prompt-listen type="button" { (lang.t(Msg::ListenPrompt)) }
            button #prompt-add type="button" { (lang.t(Msg::AddToPrompts)) }
            label { (lang.t(Msg::RecordedPrompt)) input #prompt-wav type="file" accept=".wav,audio/wav,audio/x-wav"; }
            button #prompt-wav-listen type="button" { (lang.t(Msg::ListenAsCall)) }
            button #prompt-wav-save type="button" { (lang.t(Msg::SaveRecording)) }
            audio #prompt-audio controls {}
            div #prompt-result aria-live="polite" {}
        }
        // A text's preview is a GET of a WAV; its addition appends a TOML table to the
        // prompts.toml editor (JSON string escapes are valid TOML basic strings). A WAV
        // goes as the raw body, heard as converted, saved by its own apply.
        script { (PreEscaped(r#"
(function () {
  function el(id) { return document.getElementById(id); }
  function csrf() { return document.querySelector('meta[name="csrf-token"]').content; }
  function play(src) { el('prompt-audio').src = src; el('prompt-audio').play().catch(function () {}); }
  function nameOk() {
    var ok = /^[A-Za-z0-9_-]+$/.test(el('prompt-name').value.trim());
    if (!ok) { el('prompt-name').focus(); }
    return ok;
  }
  function postWav(url) {
    var file = el('prompt-wav').files[0];
    if (!file) { el('prompt-wav').focus(); return null; }
    return fetch(url, { method: 'POST', body: file,
      headers: { 'Content-Type': 'audio/wav', 'X-CSRF-Token': csrf() } });
  }
  el('prompt-listen').addEventListener('click', function () {
    play('/config/prompts/preview?language=' + encodeURIComponent(el('prompt-language').value) +
      '&text=' + encodeURIComponent(el('prompt-text').value));
  });
  el('prompt-add').addEventListener('click', function () {
    var editor = document.querySelector('textarea[data-file="prompts.toml"]');
    if (!nameOk() || !editor) { return; }
    var entry = '\n[prompts.' + el('prompt-name').value.trim() + ']\n' +
      el('prompt-language').value + ' = ' + JSON.stringify(el('prompt-text').value) + '\n';
    editor.value = editor.value.replace(/\s*$/, '\n') + entry;
  });
  el('prompt-wav-listen').addEventListener('click', function () {
    var sent = postWav('/config/prompts/convert');
    if (!sent) { return; }
    sent.then(function (answer) {
      if (answer.ok) { return answer.blob().then(function (wav) { play(URL.createObjectURL(wav)); }); }
      return answer.text().then(function (html) { el('prompt-result').innerHTML = html; });
    }).catch(function (error) { el('prompt-result').textContent = String(error); });
  });
  el('prompt-wav-save').addEventListener('click', function () {
    if (!nameOk()) { return; }
    var sent = postWav('/config/prompts/recording?name=' + encodeURIComponent(el('prompt-name').value.trim()) +
      '&language=' + encodeURIComponent(el('prompt-language').value));
    if (!sent) { return; }
    sent.then(function (answer) { return answer.text(); })
      .then(function (html) {
        el('prompt-result').innerHTML = html;
        var applied = el('prompt-result').querySelector('[data-version]');
        if (applied) { el('current-version').textContent = applied.getAttribute('data-version'); }
      })
      .catch(function (error) { el('prompt-result').textContent = String(error); });
  });
})();
"#)) }
    }
}

fn refusal(lang: Lang, status: StatusCode, lead: Msg, why: &str) -> HttpResponse {
    super::html_fragment(
        status,
        html! {
            p #prompt-outcome.field-error role="alert" data-ok="false" {
                (lang.t(lead)) ": " span.reason { (translate_reason(lang, why)) }
            }
        },
    )
}

fn parse_language(code: &str) -> Option<ivr::say::Language> {
    match code {
        "en" => Some(ivr::say::Language::En),
        "zh" => Some(ivr::say::Language::Zh),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
struct TextQuery {
    language: String,
    text: String,
}

/// The text spoken by the box's own synthesizer, as a WAV for the page's `<audio>`.
async fn text_preview(
    state: web::Data<WebState>,
    identity: Identity,
    query: web::Query<TextQuery>,
) -> HttpResponse {
    let lang = identity.language;
    let query = query.into_inner();
    let Some(language) = parse_language(&query.language) else {
        return HttpResponse::BadRequest().body("language: en or zh");
    };
    let text = query.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return HttpResponse::BadRequest().body(lang.t(Msg::PromptTooLong));
    }
    // Its own directory, emptied after each preview: a text tried is not yet a prompt.
    let dir = state.data_dir.join("prompt-preview");
    let outcome = web::block(move || -> Result<Vec<u8>, String> {
        let synthesizer = prompt_library::tts::Synthesizer::new(&dir);
        let file = synthesizer
            .synthesize(prompt_library::tts::voice(language), &text)
            .map_err(|error| error.to_string())?;
        let wav = std::fs::read(&file).map_err(|error| format!("{}: {error}", file.display()));
        let _ = std::fs::remove_file(&file);
        wav
    })
    .await;
    match outcome {
        Ok(Ok(wav)) => wav_response(wav),
        Ok(Err(reason)) => HttpResponse::UnprocessableEntity()
            .body(format!("{}: {reason}", lang.t(Msg::PromptSynthesisFailed))),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

fn wav_response(wav: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("audio/wav")
        .insert_header(("cache-control", "no-store"))
        .body(wav)
}

/// 16-bit mono PCM samples as a WAV file.
fn pcm16_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + samples.len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

/// An uploaded WAV as the box will play it (8 kHz mono 16-bit), loaded by the prompt
/// library's own reader from a scratch file; the reason it cannot be used otherwise.
fn as_call_hears(scratch_dir: &Path, upload: &[u8]) -> Result<Vec<i16>, String> {
    std::fs::create_dir_all(scratch_dir)
        .map_err(|error| format!("{}: {error}", scratch_dir.display()))?;
    let scratch = tempfile_in(scratch_dir);
    std::fs::write(&scratch, upload).map_err(|error| format!("{}: {error}", scratch.display()))?;
    let loaded = prompt_library::load_wav_file(&scratch).map_err(|error| error.to_string());
    let _ = std::fs::remove_file(&scratch);
    let samples = loaded?;
    if samples.is_empty() {
        return Err("no audio in the file".to_owned());
    }
    Ok(samples)
}

/// A scratch file name no other request uses at the same time.
fn tempfile_in(dir: &Path) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    dir.join(format!(
        "upload-{}-{}.wav",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

async fn read_upload(payload: web::Payload) -> Result<Vec<u8>, HttpResponse> {
    crate::api::config::read_body(payload, MAX_WAV_BYTES).await
}

/// The uploaded WAV converted as the box will play it.
async fn wav_preview(
    state: web::Data<WebState>,
    identity: Identity,
    payload: web::Payload,
) -> HttpResponse {
    let lang = identity.language;
    let upload = match read_upload(payload).await {
        Ok(upload) => upload,
        Err(response) => return response,
    };
    let scratch = state.data_dir.join("prompt-preview");
    match web::block(move || as_call_hears(&scratch, &upload)).await {
        Ok(Ok(samples)) => wav_response(pcm16_wav(&samples, CALL_RATE)),
        Ok(Err(why)) => refusal(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Msg::WavRefused,
            &why,
        ),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct RecordingQuery {
    name: String,
    language: String,
}

fn is_prompt_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Saves the uploaded WAV as `prompts/LANG/NAME.wav` beside the running configuration's
/// texts: checked, applied live and saved as a new version by the keeper.
async fn save_recording(
    state: web::Data<WebState>,
    identity: Identity,
    request: HttpRequest,
    query: web::Query<RecordingQuery>,
    payload: web::Payload,
) -> HttpResponse {
    let lang = identity.language;
    let query = query.into_inner();
    let name = query.name.trim().to_owned();
    if !is_prompt_name(&name) || parse_language(&query.language).is_none() {
        return refusal(
            lang,
            StatusCode::OK,
            Msg::WavRefused,
            lang.t(Msg::BadPromptName),
        );
    }
    let upload = match read_upload(payload).await {
        Ok(upload) => upload,
        Err(response) => return response,
    };
    // Refused here with the reader's reason rather than by a failed apply.
    let scratch = state.data_dir.join("prompt-preview");
    let checked = {
        let upload = upload.clone();
        web::block(move || as_call_hears(&scratch, &upload)).await
    };
    match checked {
        Ok(Ok(_)) => {}
        Ok(Err(why)) => return refusal(lang, StatusCode::OK, Msg::WavRefused, &why),
        Err(error) => return HttpResponse::InternalServerError().body(error.to_string()),
    }
    let file = format!("prompts/{}/{name}.wav", query.language);
    let comment = format!("{file} recorded");
    let user = identity.name.clone();
    let recordings = ConfigFiles::from([(file, upload)]);
    let outcome = keeper(&state, move |keeper| {
        let texts = keeper.current()?.files;
        keeper.apply_with_recordings(&texts, &recordings, &user, &comment)
    })
    .await;
    let markup = match outcome {
        Ok(applied) => {
            crate::api::config::audit(&request, &applied);
            html! {
                div #prompt-outcome data-ok="true" {
                    (applied_summary(lang, Msg::AppliedVersion, &applied))
                }
            }
        }
        Err(config_store::ServiceError::Invalid(errors)) => html! {
            div #prompt-outcome.field-error role="alert" data-ok="false" {
                p { (lang.t(Msg::ConfigHasErrors)) }
                ul.config-errors { @for error in &errors { li.field-error { (crate::i18n::config_reasons::field_error_text(lang, error)) } } }
            }
        },
        Err(error) => service_error(lang, &error),
    };
    super::html_fragment(StatusCode::OK, markup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wav_the_page_makes_is_read_back_by_the_prompt_library_as_it_was() {
        let samples: Vec<i16> = (0..800).map(|i| ((i % 40) * 100 - 2000) as i16).collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let heard = as_call_hears(dir.path(), &pcm16_wav(&samples, CALL_RATE)).expect("loads");
        assert_eq!(heard, samples, "an 8 kHz 16-bit file loads bit for bit");
        let sixteen_khz = as_call_hears(dir.path(), &pcm16_wav(&samples, 16_000)).expect("loads");
        assert_eq!(sixteen_khz.len(), 400, "resampled to 8 kHz");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            0,
            "no scratch left"
        );
    }

    #[test]
    fn a_file_that_is_not_a_wav_is_refused_with_the_readers_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let why = as_call_hears(dir.path(), b"ID3 not a wave").expect_err("refused");
        assert!(why.contains("RIFF"), "{why}");
        assert!(!is_prompt_name("../x") && !is_prompt_name("") && is_prompt_name("welcome-zh_2"));
    }
}
