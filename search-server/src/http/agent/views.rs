//! The console's page layout (skip link, banner, main landmark), the sign-in and error pages,
//! and small shared pieces. maud escapes every `(value)`; nothing here marks text as HTML.

use maud::{DOCTYPE, Markup, html};

use crate::storage::{Agent, TicketStatus};

/// The signed-in agent's part of the layout.
#[derive(Clone, Copy, Debug)]
pub struct Banner<'a> {
    pub agent: &'a Agent,
    pub csrf: &'a str,
}

/// A whole page. `page` names it for the script (`inbox`, `ticket`, `login`, `error`).
pub fn layout(title: &str, page: &str, banner: Option<Banner<'_>>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · Baton console" }
                link rel="stylesheet" href="/agent/console.css";
                script src="/agent/console.js" defer {}
            }
            body data-page=(page) {
                a.skip-link href="#main" { "Skip to main content" }
                header.topbar {
                    a.brand href="/agent" { "Baton console" }
                    @if let Some(banner) = banner {
                        nav aria-label="Console" {
                            a href="/agent" aria-current=[(page == "inbox").then_some("page")] { "Inbox" }
                        }
                        form.signout method="post" action="/agent/logout" {
                            input type="hidden" name="csrf" value=(banner.csrf);
                            span.who { "Signed in as " strong { (banner.agent.name) } }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main tabindex="-1" {
                    (content)
                }
            }
        }
    }
}

/// The sign-in page.
pub fn login_page(
    csrf: &str,
    next: &str,
    email: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    layout(
        "Sign in",
        "login",
        None,
        html! {
            div.login {
                h1 { "Sign in to the Baton console" }
                @if let Some(notice) = notice {
                    p.notice role="status" { (notice) }
                }
                @if let Some(error) = error {
                    p.error #login-error role="alert" { (error) }
                }
                form method="post" action="/agent/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="next" value=(next);
                    p {
                        label for="email" { "Email" }
                        input #email type="email" name="email" value=(email) required
                            autocomplete="username" autofocus[email.is_empty()]
                            aria-describedby=[error.map(|_| "login-error")];
                    }
                    p {
                        label for="password" { "Password" }
                        input #password type="password" name="password" required
                            autocomplete="current-password" autofocus[!email.is_empty()];
                    }
                    p { button type="submit" { "Sign in" } }
                }
            }
        },
    )
}

/// An error page with a way back.
pub fn error_page(title: &str, message: &str) -> Markup {
    layout(
        title,
        "error",
        None,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/agent" { "Back to the inbox" } }
        },
    )
}

/// A ticket's status as a labelled badge.
pub fn status_badge(status: TicketStatus) -> Markup {
    html! {
        span class={"badge status-" (status.as_str())} { (status.as_str()) }
    }
}

/// An RFC 3339 UTC time as `2026-12-04 19:10 UTC` in a `<time>` element.
pub fn time(rfc3339: &str) -> Markup {
    let shown = rfc3339
        .get(..16)
        .map(|t| format!("{} UTC", t.replace('T', " ")))
        .unwrap_or_else(|| rfc3339.to_owned());
    html! { time datetime=(rfc3339) { (shown) } }
}

/// The keyboard shortcuts of a page, documented where they apply.
pub fn shortcuts(keys: &[(&str, &str)]) -> Markup {
    html! {
        section.shortcuts aria-labelledby="shortcuts-title" {
            h2 #shortcuts-title { "Keyboard shortcuts" }
            p { "Shortcuts work when the focus is not in a text field." }
            dl {
                @for (key, what) in keys {
                    div {
                        dt { kbd { (key) } }
                        dd { (what) }
                    }
                }
            }
        }
    }
}
