//! Screens whose code lives in its own wasm chunk. The build (`wasm-split-cli`) moves everything
//! only a `#[wasm_split]` function reaches into a separate `.wasm` file, fetched the first time
//! the function is called: the guided-flow view, the handoff form, the article view and the
//! conversation view cost nothing before the first search.

use std::future::Future;

use leptos::__reexports::send_wrapper::SendWrapper;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use crate::app::Env;

/// Shows the view `load` answers once its chunk is loaded (at once when it already is). A chunk
/// that cannot be fetched shows a notice with a retry, which fetches it again.
pub fn chunked<F>(env: Env, load: impl Fn() -> F + Send + Sync + 'static) -> impl IntoView
where
    F: Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
{
    let attempt = RwSignal::new(0u32);
    move || {
        attempt.track();
        let view = load();
        Suspend::new(SendWrapper::new(async move {
            match view.await {
                Ok(view) => view,
                Err(_) => load_failed(env, attempt),
            }
        }))
    }
}

/// The notice of a chunk that could not be fetched; its retry bumps `attempt`. Not generic, so
/// one copy serves every screen.
fn load_failed(env: Env, attempt: RwSignal<u32>) -> AnyView {
    let t = env.t;
    view! {
        <div class="notice" role="alert">
            <span>{t.network_error}</span>
            <button type="button" class="link-button" on:click=move |_| attempt.update(|n| *n += 1)>{t.retry}</button>
        </div>
    }
    .into_any()
}
