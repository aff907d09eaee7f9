//! Relative commit age, worded exactly like `git log --date=relative`
//! (a port of `show_date_relative` in git's `date.c`).

/// Formats `time` (seconds since the epoch) relative to `now`.
pub fn relative(time: i64, now: i64) -> String {
    if now < time {
        return "in the future".to_string();
    }
    let diff = now - time;
    if diff < 90 {
        return plural(diff, "second");
    }
    // Minutes, rounded.
    let diff = (diff + 30) / 60;
    if diff < 90 {
        return plural(diff, "minute");
    }
    // Hours, rounded.
    let diff = (diff + 30) / 60;
    if diff < 36 {
        return plural(diff, "hour");
    }
    // Days from here on.
    let diff = (diff + 12) / 24;
    if diff < 14 {
        return plural(diff, "day");
    }
    // Weeks for the past 10 weeks or so.
    if diff < 70 {
        return plural((diff + 3) / 7, "week");
    }
    // Months for the past 12 months or so.
    if diff < 365 {
        return plural((diff + 15) / 30, "month");
    }
    // Years and months for 5 years or so.
    if diff < 1825 {
        let total_months = (diff * 12 * 2 + 365) / (365 * 2);
        let years = total_months / 12;
        let months = total_months % 12;
        if months != 0 {
            let y = if years == 1 { "year" } else { "years" };
            let m = if months == 1 { "month" } else { "months" };
            return format!("{years} {y}, {months} {m} ago");
        }
        return plural(years, "year");
    }
    plural((diff + 183) / 365, "year")
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("{n} {unit} ago")
    } else {
        format!("{n} {unit}s ago")
    }
}

#[cfg(test)]
mod tests {
    use super::relative;

    const NOW: i64 = 1_800_000_000;
    const MIN: i64 = 60;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;

    fn ago(secs: i64) -> String {
        relative(NOW - secs, NOW)
    }

    #[test]
    fn future_and_seconds() {
        assert_eq!(relative(NOW + 1, NOW), "in the future");
        assert_eq!(ago(0), "0 seconds ago");
        assert_eq!(ago(1), "1 second ago");
        assert_eq!(ago(89), "89 seconds ago");
    }

    #[test]
    fn minutes_boundaries() {
        // 90 s rounds to 2 minutes ((90 + 30) / 60).
        assert_eq!(ago(90), "2 minutes ago");
        assert_eq!(ago(149), "2 minutes ago");
        assert_eq!(ago(150), "3 minutes ago");
        // 89 minutes 29 s rounds to 89 minutes; 89 min 30 s to 90 -> hours.
        assert_eq!(ago(89 * MIN + 29), "89 minutes ago");
        assert_eq!(ago(89 * MIN + 30), "2 hours ago");
    }

    #[test]
    fn hours_boundaries() {
        assert_eq!(ago(HOUR), "60 minutes ago");
        assert_eq!(ago(2 * HOUR), "2 hours ago");
        assert_eq!(ago(35 * HOUR + 29 * MIN), "35 hours ago");
        // 35.5 h rounds to 36 h -> days: (36 + 12) / 24 = 2.
        assert_eq!(ago(35 * HOUR + 30 * MIN), "2 days ago");
    }

    #[test]
    fn days_and_weeks() {
        assert_eq!(ago(2 * DAY), "2 days ago");
        assert_eq!(ago(13 * DAY), "13 days ago");
        assert_eq!(ago(14 * DAY), "2 weeks ago");
        assert_eq!(ago(17 * DAY), "2 weeks ago");
        assert_eq!(ago(18 * DAY), "3 weeks ago");
        assert_eq!(ago(69 * DAY), "10 weeks ago");
    }

    #[test]
    fn months_and_years() {
        assert_eq!(ago(70 * DAY), "2 months ago");
        assert_eq!(ago(364 * DAY), "12 months ago");
        assert_eq!(ago(365 * DAY), "1 year ago");
        assert_eq!(ago(380 * DAY), "1 year ago");
        assert_eq!(ago(381 * DAY), "1 year, 1 month ago");
        assert_eq!(ago(2 * 365 * DAY + 330 * DAY), "2 years, 11 months ago");
        assert_eq!(ago(1824 * DAY), "5 years ago");
        assert_eq!(ago(1825 * DAY), "5 years ago");
        assert_eq!(ago(2000 * DAY), "5 years ago");
        assert_eq!(ago(2010 * DAY), "6 years ago");
    }
}
