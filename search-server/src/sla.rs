//! The promised reply time: an urgency tier's `reply_within`, counted only in the site's
//! support hours, in the site's time zone (`[support_hours]` in `site.toml`).
//!
//! "4h" handed off on Friday at 18:00 to a desk open 08:00–20:00 on weekdays is due Monday at
//! 10:00. A site without support hours (or with no open day) promises plain elapsed time.
//! `d` in `reply_within` is 24 *open* hours; write `8h` for "one working day of 8 hours".

use time::{Duration, OffsetDateTime};
use time_tz::{OffsetDateTimeExt as _, TimeZone as _, Tz};

use crate::config::{SupportHours, parse_hours};

/// The IANA time zone `name` (`UTC` included), if the bundled database knows it.
pub fn zone(name: &str) -> Option<&'static Tz> {
    time_tz::timezones::get_by_name(name).or_else(|| {
        (name == "UTC")
            .then(|| time_tz::timezones::get_by_name("Etc/UTC"))
            .flatten()
    })
}

/// Most days the count walks through before giving up on support hours (a year of closures).
const MAX_DAYS: usize = 800;

/// When a reply is due: `minutes` of open time after `now`.
pub fn reply_by(now: OffsetDateTime, minutes: u32, hours: Option<&SupportHours>) -> OffsetDateTime {
    let plain = now + Duration::minutes(i64::from(minutes));
    let Some(hours) = hours else {
        return plain;
    };
    let Some(tz) = zone(&hours.time_zone) else {
        return plain;
    };
    let open = |weekday: time::Weekday| -> Option<(i64, i64)> {
        let key = &weekday.to_string().to_lowercase()[..3];
        let (start, end) = parse_hours(hours.weekly.get(key)?)?;
        Some((i64::from(start), i64::from(end)))
    };
    let mut remaining = i64::from(minutes);
    let mut t = now;
    // Each turn moves `t` to the next opening, through an open stretch, or to the next local
    // midnight, and reads the local time again, so daylight saving changes correct themselves.
    for _ in 0..MAX_DAYS * 3 {
        let local = t.to_timezone(tz);
        let minute = i64::from(local.hour()) * 60 + i64::from(local.minute());
        match open(local.weekday()) {
            Some((start, _)) if minute < start => t += Duration::minutes(start - minute),
            Some((_, end)) if minute < end => {
                let available = end - minute;
                if remaining <= available {
                    return t + Duration::minutes(remaining);
                }
                remaining -= available;
                t += Duration::minutes(available);
            }
            _ => {
                let to_midnight = 24 * 60 - minute;
                t += Duration::minutes(to_midnight) - Duration::seconds(i64::from(local.second()));
            }
        }
    }
    plain
}

/// The first open minute at or after `now` (`now` itself while open); `None` when no day is
/// open or the time zone is unknown.
pub fn next_opening(now: OffsetDateTime, hours: &SupportHours) -> Option<OffsetDateTime> {
    zone(&hours.time_zone)?;
    let any_open = hours.weekly.values().any(|h| parse_hours(h).is_some());
    // Zero open minutes after `now` is the moment support is (or becomes) open.
    any_open.then(|| reply_by(now, 0, Some(hours)))
}

/// The UTC offset name of `zone` at `at`, such as `CET`, for messages to agents.
pub fn zone_abbreviation(zone_name: &str, at: OffsetDateTime) -> String {
    use time_tz::Offset as _;
    match zone(zone_name) {
        Some(tz) => tz.get_offset_utc(&at).name().to_owned(),
        None => zone_name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use time::macros::datetime;

    use super::*;

    fn berlin_weekdays() -> SupportHours {
        let day = |d: &str| (d.to_owned(), "08:00-20:00".to_owned());
        SupportHours {
            time_zone: "Europe/Berlin".into(),
            weekly: BTreeMap::from([day("mon"), day("tue"), day("wed"), day("thu"), day("fri")]),
        }
    }

    #[test]
    fn inside_hours_the_promise_is_plain_time() {
        // Thursday 26 Nov 2026, 10:00 in Berlin (CET, UTC+1) is 09:00 UTC.
        let now = datetime!(2026-11-26 09:00 UTC);
        assert_eq!(
            reply_by(now, 60, Some(&berlin_weekdays())),
            datetime!(2026-11-26 10:00 UTC)
        );
    }

    #[test]
    fn closed_hours_do_not_count() {
        // Friday 18:00 Berlin + 4h: two hours on Friday, two on Monday from 08:00 → 10:00 CET.
        let now = datetime!(2026-11-27 17:00 UTC);
        assert_eq!(
            reply_by(now, 240, Some(&berlin_weekdays())),
            datetime!(2026-11-30 09:00 UTC)
        );
        // Saturday night: the count starts on Monday at opening.
        let now = datetime!(2026-11-28 22:30 UTC);
        assert_eq!(
            reply_by(now, 30, Some(&berlin_weekdays())),
            datetime!(2026-11-30 07:30 UTC)
        );
    }

    #[test]
    fn daylight_saving_is_followed() {
        // Friday 27 March 2026 19:00 CET + 2h → Monday 30 March 09:00 CEST (UTC+2) = 07:00 UTC.
        let now = datetime!(2026-03-27 18:00 UTC);
        assert_eq!(
            reply_by(now, 120, Some(&berlin_weekdays())),
            datetime!(2026-03-30 07:00 UTC)
        );
    }

    #[test]
    fn the_next_opening_is_now_while_open_else_the_next_open_minute() {
        let hours = berlin_weekdays();
        // Thursday 10:00 Berlin: open.
        let open = datetime!(2026-11-26 09:00 UTC);
        assert_eq!(next_opening(open, &hours), Some(open));
        // Friday 21:00 Berlin: closed until Monday 08:00 CET.
        assert_eq!(
            next_opening(datetime!(2026-11-27 20:00 UTC), &hours),
            Some(datetime!(2026-11-30 07:00 UTC))
        );
        let closed = SupportHours {
            time_zone: "UTC".into(),
            weekly: BTreeMap::new(),
        };
        assert_eq!(next_opening(open, &closed), None);
    }

    #[test]
    fn without_hours_or_open_days_time_is_plain() {
        let now = datetime!(2026-11-26 09:00 UTC);
        assert_eq!(reply_by(now, 90, None), datetime!(2026-11-26 10:30 UTC));
        let closed = SupportHours {
            time_zone: "UTC".into(),
            weekly: BTreeMap::new(),
        };
        assert!(zone("UTC").is_some());
        assert_eq!(
            reply_by(now, 90, Some(&closed)),
            datetime!(2026-11-26 10:30 UTC)
        );
    }
}
