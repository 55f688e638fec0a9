//! Webhook delivery: every ticket as a JSON POST, signed so receivers can trust it.
//!
//! Headers: `Baton-Delivery: <id>` (stable for the outbox row: drop repeats) and
//! `Baton-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed with the
//! webhook secret. See `docs/webhooks.md` for checking it.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::storage::ClaimedDelivery;

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm is never taken.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// The JSON body for a delivery: the event type, the delivery id and the whole ticket
/// (`ticket.created`), or the ticket's reference and customer with the one message a row
/// delivers (`message.created`).
pub fn body(delivery: &ClaimedDelivery) -> serde_json::Value {
    let t = &delivery.ticket;
    if let Some(m) = &delivery.message {
        return json!({
            "type": "message.created",
            "delivery_id": delivery.delivery_id,
            "ticket": {
                "reference": t.reference,
                "site": t.site,
                "name": t.name,
                "email": t.email,
            },
            "message": {
                "id": m.id,
                "author": m.author,
                "body": m.body,
                "created_at": m.created_at,
            }
        });
    }
    let transcript: serde_json::Value =
        serde_json::from_str(&t.transcript_json).unwrap_or(serde_json::Value::Null);
    json!({
        "type": "ticket.created",
        "delivery_id": delivery.delivery_id,
        "ticket": {
            "reference": t.reference,
            "site": t.site,
            "name": t.name,
            "email": t.email,
            "message": t.message,
            "locale": t.locale,
            "created_at": t.created_at,
            "urgency": t.urgency,
            "reply_by": t.reply_by,
            "summary": t.summary,
            "transcript": transcript,
        }
    })
}

/// POSTs the delivery to its URL; any 2xx answer is a success.
pub async fn send(
    delivery: &ClaimedDelivery,
    secret: &str,
    timeout: Duration,
) -> Result<(), String> {
    let body = serde_json::to_vec(&body(delivery)).map_err(|e| e.to_string())?;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = signature(secret, timestamp, &body);
    let url = delivery.target.clone();
    let id = delivery.delivery_id.clone();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        let response = agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Baton-Delivery", &id)
            .header("Baton-Signature", &signature)
            .header("User-Agent", concat!("Baton/", env!("CARGO_PKG_VERSION")))
            .send(&body[..])
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("POST {url}: HTTP {status}"))
        }
    })
    .await
    .map_err(|e| format!("the webhook task failed: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Checked with: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
