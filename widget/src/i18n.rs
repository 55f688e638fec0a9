//! The widget's message catalogue: every string the customer reads, in English, German and
//! Arabic (right-to-left). Plain `&'static str` tables, chosen once, so translations cost no
//! parsing and no formatting machinery in the wasm. English ships in the main module; German and
//! Arabic in the `locales` chunk ([`messages`]).

use leptos::wasm_split::{SplitLoaderError, wasm_split};

/// The UI strings of one language. `{n}` and `{q}` are replaced where noted.
#[derive(Debug)]
pub struct Messages {
    /// The BCP 47 language of this table, set as `lang` on the panel.
    pub lang: &'static str,
    /// `rtl` for right-to-left scripts.
    pub dir: &'static str,
    pub support: &'static str,
    pub greeting: &'static str,
    pub close: &'static str,
    /// The button that hides an announcement banner.
    pub dismiss: &'static str,
    /// The badge on an article opened in editor preview.
    pub preview: &'static str,
    /// A preview whose admin token the server refused.
    pub preview_denied: &'static str,
    pub retry: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub searching: &'static str,
    pub one_result: &'static str,
    /// `{n}` results.
    pub n_results: &'static str,
    /// No results for `{q}`.
    pub no_results: &'static str,
    pub no_results_hint: &'static str,
    pub did_you_mean: &'static str,
    pub empty_title: &'static str,
    pub empty_hint: &'static str,
    pub suggested: &'static str,
    pub back_to_results: &'static str,
    pub loading_article: &'static str,
    pub helpful: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub thanks_feedback: &'static str,
    pub cant_find: &'static str,
    pub talk_to_person: &'static str,
    pub back_to_help: &'static str,
    pub handoff_intro: &'static str,
    pub your_name: &'static str,
    pub email: &'static str,
    pub how_can_we_help: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub try_again: &'static str,
    pub sent_title: &'static str,
    pub your_reference: &'static str,
    pub received: &'static str,
    pub reply_to: &'static str,
    pub reply_by: &'static str,
    pub shared_title: &'static str,
    pub shared_items: &'static [&'static str],
    pub name_error: &'static str,
    pub email_error: &'static str,
    pub message_error: &'static str,
    pub network_error: &'static str,
    pub server_error: &'static str,
    /// The label of the urgency choice in the handoff form, and its "no choice" option.
    pub urgency: &'static str,
    pub urgency_unsure: &'static str,
    /// Told in the handoff form of sites that follow up unfinished requests.
    pub reminder_note: &'static str,
    /// "Your conversation" (followed by the reference) and its view.
    pub your_conversation: &'static str,
    pub you: &'static str,
    pub add_message: &'static str,
    pub loading_conversation: &'static str,
}

pub const EN: Messages = Messages {
    lang: "en",
    dir: "ltr",
    support: "Support",
    greeting: "How can we help?",
    close: "Close support",
    dismiss: "Dismiss announcement",
    preview: "Preview",
    preview_denied: "This preview link was refused: the admin token is wrong or revoked. Ask for a new link.",
    retry: "Retry",
    search_label: "Search help articles",
    search_placeholder: "Search for answers…",
    searching: "Searching…",
    one_result: "1 result",
    n_results: "{n} results",
    no_results: "No results for “{q}”",
    no_results_hint: "Try fewer or different words, or talk to a person below.",
    did_you_mean: "Did you mean:",
    empty_title: "Search our help center",
    empty_hint: "Type a few words, like “reset hub” or “pair a device”.",
    suggested: "Suggested for this page",
    back_to_results: "Back to results",
    loading_article: "Loading article…",
    helpful: "Was this helpful?",
    yes: "Yes",
    no: "No",
    thanks_feedback: "Thanks for your feedback!",
    cant_find: "Can't find what you need?",
    talk_to_person: "Talk to a person",
    back_to_help: "Back to help articles",
    handoff_intro: "We'll pass on your message along with what you've already looked at, so you won't have to repeat yourself.",
    your_name: "Your name",
    email: "Email",
    how_can_we_help: "How can we help?",
    send: "Send",
    sending: "Sending…",
    try_again: "Try again",
    sent_title: "Thanks, we've got it",
    your_reference: "Your reference is",
    received: "Received",
    reply_to: "A person will reply to",
    reply_by: "We'll reply by",
    shared_title: "What we share with the support team",
    shared_items: &[
        "Your name, email and message",
        "Pages you visited with help open, your searches and the articles you read",
        "Answers you gave in guided steps",
        "Account details this site passes to us",
        "Card numbers are removed before anything is stored",
    ],
    name_error: "Please tell us your name.",
    email_error: "Please enter a valid email address, like name@example.com.",
    message_error: "Please describe what you need help with.",
    network_error: "We couldn't reach the help center. Check your connection and try again.",
    server_error: "Something went wrong on our side. Please try again.",
    urgency: "How urgent is it?",
    urgency_unsure: "Not sure – let the team decide",
    reminder_note: "If you leave this form after entering your email, we may send you one reminder email.",
    your_conversation: "Your conversation",
    you: "You",
    add_message: "Add a message",
    loading_conversation: "Loading your conversation…",
};

pub const DE: Messages = Messages {
    lang: "de",
    dir: "ltr",
    support: "Hilfe",
    greeting: "Wie können wir helfen?",
    close: "Hilfe schließen",
    dismiss: "Hinweis schließen",
    preview: "Vorschau",
    preview_denied: "Dieser Vorschau-Link wurde abgelehnt: Das Admin-Token ist falsch oder widerrufen. Bitten Sie um einen neuen Link.",
    retry: "Erneut versuchen",
    search_label: "Hilfeartikel durchsuchen",
    search_placeholder: "Antworten suchen…",
    searching: "Suche läuft…",
    one_result: "1 Ergebnis",
    n_results: "{n} Ergebnisse",
    no_results: "Keine Ergebnisse für „{q}“",
    no_results_hint: "Versuchen Sie weniger oder andere Wörter, oder schreiben Sie uns unten.",
    did_you_mean: "Meinten Sie:",
    empty_title: "Durchsuchen Sie unser Hilfe-Center",
    empty_hint: "Geben Sie ein paar Wörter ein, etwa „Hub zurücksetzen“ oder „Gerät koppeln“.",
    suggested: "Vorschläge für diese Seite",
    back_to_results: "Zurück zu den Ergebnissen",
    loading_article: "Artikel wird geladen…",
    helpful: "War das hilfreich?",
    yes: "Ja",
    no: "Nein",
    thanks_feedback: "Danke für Ihr Feedback!",
    cant_find: "Nicht gefunden, was Sie suchen?",
    talk_to_person: "Mit einem Menschen sprechen",
    back_to_help: "Zurück zu den Hilfeartikeln",
    handoff_intro: "Wir leiten Ihre Nachricht zusammen mit dem weiter, was Sie sich schon angesehen haben – Sie müssen nichts wiederholen.",
    your_name: "Ihr Name",
    email: "E-Mail",
    how_can_we_help: "Wie können wir helfen?",
    send: "Senden",
    sending: "Wird gesendet…",
    try_again: "Noch einmal versuchen",
    sent_title: "Danke, Ihre Anfrage ist angekommen",
    your_reference: "Ihre Vorgangsnummer ist",
    received: "Eingegangen",
    reply_to: "Eine Person antwortet an",
    reply_by: "Wir antworten bis",
    shared_title: "Was wir an das Support-Team weitergeben",
    shared_items: &[
        "Ihren Namen, Ihre E-Mail-Adresse und Ihre Nachricht",
        "Seiten, die Sie mit geöffneter Hilfe besucht haben, Ihre Suchen und gelesene Artikel",
        "Ihre Antworten in geführten Schritten",
        "Kontodaten, die diese Website an uns übergibt",
        "Kartennummern werden vor dem Speichern entfernt",
    ],
    name_error: "Bitte nennen Sie uns Ihren Namen.",
    email_error: "Bitte geben Sie eine gültige E-Mail-Adresse ein, etwa name@example.com.",
    message_error: "Bitte beschreiben Sie, wobei Sie Hilfe brauchen.",
    network_error: "Das Hilfe-Center ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    server_error: "Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut.",
    urgency: "Wie dringend ist es?",
    urgency_unsure: "Nicht sicher – das Team entscheidet",
    reminder_note: "Wenn Sie dieses Formular nach Eingabe Ihrer E-Mail-Adresse verlassen, senden wir Ihnen eventuell eine Erinnerung per E-Mail.",
    your_conversation: "Ihr Gespräch",
    you: "Sie",
    add_message: "Nachricht hinzufügen",
    loading_conversation: "Ihr Gespräch wird geladen…",
};

pub const AR: Messages = Messages {
    lang: "ar",
    dir: "rtl",
    support: "الدعم",
    greeting: "كيف يمكننا مساعدتك؟",
    close: "إغلاق الدعم",
    dismiss: "إغلاق الإعلان",
    preview: "معاينة",
    preview_denied: "تم رفض رابط المعاينة: رمز المسؤول غير صحيح أو تم إلغاؤه. اطلب رابطًا جديدًا.",
    retry: "إعادة المحاولة",
    search_label: "البحث في مقالات المساعدة",
    search_placeholder: "ابحث عن إجابات…",
    searching: "جارٍ البحث…",
    one_result: "نتيجة واحدة",
    n_results: "{n} نتائج",
    no_results: "لا توجد نتائج لـ «{q}»",
    no_results_hint: "جرّب كلمات أقل أو مختلفة، أو تحدّث إلى شخص أدناه.",
    did_you_mean: "هل تقصد:",
    empty_title: "ابحث في مركز المساعدة",
    empty_hint: "اكتب بضع كلمات، مثل «إعادة ضبط الجهاز».",
    suggested: "مقترحات لهذه الصفحة",
    back_to_results: "العودة إلى النتائج",
    loading_article: "جارٍ تحميل المقال…",
    helpful: "هل كان هذا مفيدًا؟",
    yes: "نعم",
    no: "لا",
    thanks_feedback: "شكرًا على ملاحظاتك!",
    cant_find: "لم تجد ما تحتاجه؟",
    talk_to_person: "تحدّث إلى شخص",
    back_to_help: "العودة إلى مقالات المساعدة",
    handoff_intro: "سنرسل رسالتك مع ما اطّلعت عليه بالفعل، فلن تحتاج إلى تكرار ما قلته.",
    your_name: "اسمك",
    email: "البريد الإلكتروني",
    how_can_we_help: "كيف يمكننا مساعدتك؟",
    send: "إرسال",
    sending: "جارٍ الإرسال…",
    try_again: "حاول مرة أخرى",
    sent_title: "شكرًا، وصلنا طلبك",
    your_reference: "رقمك المرجعي هو",
    received: "تم الاستلام",
    reply_to: "سيرد عليك شخص على",
    reply_by: "سنرد قبل",
    shared_title: "ما نشاركه مع فريق الدعم",
    shared_items: &[
        "اسمك وبريدك الإلكتروني ورسالتك",
        "الصفحات التي زرتها والمساعدة مفتوحة، وعمليات البحث والمقالات التي قرأتها",
        "إجاباتك في الخطوات الموجّهة",
        "بيانات الحساب التي يمررها لنا هذا الموقع",
        "تُحذف أرقام البطاقات قبل تخزين أي شيء",
    ],
    name_error: "يرجى إخبارنا باسمك.",
    email_error: "يرجى إدخال بريد إلكتروني صالح، مثل name@example.com.",
    message_error: "يرجى وصف ما تحتاج إلى مساعدة فيه.",
    network_error: "تعذّر الوصول إلى مركز المساعدة. تحقّق من اتصالك وحاول مرة أخرى.",
    server_error: "حدث خطأ من جهتنا. يرجى المحاولة مرة أخرى.",
    urgency: "ما مدى الاستعجال؟",
    urgency_unsure: "لست متأكدًا – ليقرّر الفريق",
    reminder_note: "إذا غادرت هذا النموذج بعد إدخال بريدك الإلكتروني، فقد نرسل إليك رسالة تذكير واحدة.",
    your_conversation: "محادثتك",
    you: "أنت",
    add_message: "أضف رسالة",
    loading_conversation: "جارٍ تحميل محادثتك…",
};

/// The language of a locale tag such as `de-AT` (`de`), lowercased: the part before `-` or `_`.
fn language(locale: &str) -> String {
    locale
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The table for a locale tag such as `de-AT`: matched on the language, English otherwise.
pub fn table(locale: &str) -> &'static Messages {
    match language(locale).as_str() {
        "de" => &DE,
        "ar" => &AR,
        _ => &EN,
    }
}

/// The table for a locale tag, as [`table`] chooses it. English is in the main module; the
/// other tables are only reached through the `locales` chunk, so a visitor reading English never
/// downloads them, and a visitor reading German or Arabic fetches that chunk before the panel
/// mounts. A chunk that cannot be fetched leaves the panel in English.
pub async fn messages(locale: &str) -> &'static Messages {
    if is_english(locale) {
        &EN
    } else {
        locales_chunk(locale.to_owned()).await.unwrap_or(&EN)
    }
}

/// Whether a locale tag is shown with the English table: English, and any language without
/// a table of its own.
pub fn is_english(locale: &str) -> bool {
    !matches!(language(locale).as_str(), "de" | "ar")
}

/// The split point of the `locales` chunk.
#[wasm_split(locales, wasm_split_path = ::leptos::wasm_split, fallible)]
fn locales_chunk(locale: String) -> Result<&'static Messages, SplitLoaderError> {
    Ok(table(&locale))
}

/// The strings of guided flows (`flow`), kept in their own table so the main one stays as it is.
#[derive(Debug)]
pub struct FlowMessages {
    /// Before a flow's title in lists: "Guided fix: …".
    pub guided_fix: &'static str,
    /// On an article that offers a flow.
    pub start_guide: &'static str,
    pub loading: &'static str,
    /// `{n}` and `{m}`: the step and the most steps there can be.
    pub step_of: &'static str,
    pub continue_: &'static str,
    pub back: &'static str,
    pub restart: &'static str,
    pub read_article: &'static str,
    pub choose: &'static str,
    pub resolved: &'static str,
    pub solved_question: &'static str,
    pub rating_legend: &'static str,
    /// `{n}`: 1 to 5.
    pub rating_n: &'static str,
    pub comment: &'static str,
    pub send_feedback: &'static str,
    pub thanks: &'static str,
    pub open_article: &'static str,
}

pub const FLOW_EN: FlowMessages = FlowMessages {
    guided_fix: "Guided fix:",
    start_guide: "Start the guided fix",
    loading: "Loading the guide…",
    step_of: "Step {n} of up to {m}",
    continue_: "Continue",
    back: "Back",
    restart: "Start over",
    read_article: "Read the article",
    choose: "Choose…",
    resolved: "Great, glad that is sorted.",
    solved_question: "Did this solve your problem?",
    rating_legend: "How satisfied are you? (optional)",
    rating_n: "{n} of 5",
    comment: "Anything to add? (optional)",
    send_feedback: "Send feedback",
    thanks: "Thanks! Your feedback helps us improve this guide.",
    open_article: "Open the article",
};

pub const FLOW_DE: FlowMessages = FlowMessages {
    guided_fix: "Geführte Lösung:",
    start_guide: "Geführte Lösung starten",
    loading: "Anleitung wird geladen…",
    step_of: "Schritt {n} von höchstens {m}",
    continue_: "Weiter",
    back: "Zurück",
    restart: "Neu beginnen",
    read_article: "Artikel lesen",
    choose: "Bitte wählen…",
    resolved: "Prima, das ist erledigt.",
    solved_question: "Hat das Ihr Problem gelöst?",
    rating_legend: "Wie zufrieden sind Sie? (optional)",
    rating_n: "{n} von 5",
    comment: "Möchten Sie etwas ergänzen? (optional)",
    send_feedback: "Feedback senden",
    thanks: "Danke! Ihr Feedback hilft uns, diese Anleitung zu verbessern.",
    open_article: "Artikel öffnen",
};

pub const FLOW_AR: FlowMessages = FlowMessages {
    guided_fix: "حلّ موجَّه:",
    start_guide: "ابدأ الحلّ الموجَّه",
    loading: "جارٍ تحميل الدليل…",
    step_of: "الخطوة {n} من {m} كحدّ أقصى",
    continue_: "متابعة",
    back: "رجوع",
    restart: "البدء من جديد",
    read_article: "اقرأ المقال",
    choose: "اختر…",
    resolved: "رائع، تمّ حلّ المشكلة.",
    solved_question: "هل حلّ هذا مشكلتك؟",
    rating_legend: "ما مدى رضاك؟ (اختياري)",
    rating_n: "{n} من 5",
    comment: "هل تودّ إضافة شيء؟ (اختياري)",
    send_feedback: "إرسال الملاحظات",
    thanks: "شكرًا! ملاحظاتك تساعدنا على تحسين هذا الدليل.",
    open_article: "افتح المقال",
};

/// The flow strings for a locale tag, chosen like [`table`].
pub fn flow_messages(locale: &str) -> &'static FlowMessages {
    match language(locale).as_str() {
        "de" => &FLOW_DE,
        "ar" => &FLOW_AR,
        _ => &FLOW_EN,
    }
}

/// The strings of the live conversation, satisfaction, the launcher badge and support hours,
/// in their own table: only the chunks that use them read it.
#[derive(Debug)]
pub struct LiveMessages {
    pub status: &'static str,
    pub status_open: &'static str,
    pub status_pending: &'static str,
    pub status_solved: &'static str,
    pub resolved_question: &'static str,
    pub rating_legend: &'static str,
    /// The five rating choices, poor to great.
    pub ratings: [&'static str; 5],
    pub comment_label: &'static str,
    pub send_answer: &'static str,
    pub answer_needed: &'static str,
    pub thanks_answer: &'static str,
    pub reopen: &'static str,
    pub reopened: &'static str,
    /// After the launcher's label: one unread reply, `{n}` unread replies.
    pub unread_one: &'static str,
    pub unread_n: &'static str,
    /// Support is closed: `{when}` it opens; without a next opening.
    pub closed_until: &'static str,
    pub closed: &'static str,
    pub earlier: &'static str,
    /// The site needs a verified identity and the host page gave none.
    pub sign_in_first: &'static str,
}

pub const LIVE_EN: LiveMessages = LiveMessages {
    status: "Status:",
    status_open: "Open – we'll get back to you",
    status_pending: "Waiting for your reply",
    status_solved: "Solved",
    resolved_question: "Was your issue resolved?",
    rating_legend: "How would you rate our help? (optional)",
    ratings: ["1 – Poor", "2", "3", "4", "5 – Great"],
    comment_label: "Anything else to tell us? (optional)",
    send_answer: "Send answer",
    answer_needed: "Please choose Yes or No.",
    thanks_answer: "Thanks for your answer!",
    reopen: "Reopen conversation",
    reopened: "Your conversation is open again. We'll get back to you.",
    unread_one: "1 unread reply",
    unread_n: "{n} unread replies",
    closed_until: "We're closed now; we'll reply from {when}.",
    closed: "We're closed now; we'll reply as soon as we're back.",
    earlier: "Your earlier conversations",
    sign_in_first: "Please sign in to your account on this site to contact support.",
};

pub const LIVE_DE: LiveMessages = LiveMessages {
    status: "Status:",
    status_open: "Offen – wir melden uns",
    status_pending: "Wartet auf Ihre Antwort",
    status_solved: "Gelöst",
    resolved_question: "Wurde Ihr Problem gelöst?",
    rating_legend: "Wie bewerten Sie unsere Hilfe? (optional)",
    ratings: ["1 – Schlecht", "2", "3", "4", "5 – Sehr gut"],
    comment_label: "Möchten Sie uns noch etwas sagen? (optional)",
    send_answer: "Antwort senden",
    answer_needed: "Bitte wählen Sie Ja oder Nein.",
    thanks_answer: "Danke für Ihre Antwort!",
    reopen: "Gespräch wieder öffnen",
    reopened: "Ihr Gespräch ist wieder offen. Wir melden uns.",
    unread_one: "1 ungelesene Antwort",
    unread_n: "{n} ungelesene Antworten",
    closed_until: "Wir sind gerade nicht erreichbar; wir antworten ab {when}.",
    closed: "Wir sind gerade nicht erreichbar; wir antworten, sobald wir zurück sind.",
    earlier: "Ihre früheren Gespräche",
    sign_in_first: "Bitte melden Sie sich auf dieser Website an, um den Support zu kontaktieren.",
};

pub const LIVE_AR: LiveMessages = LiveMessages {
    status: "الحالة:",
    status_open: "مفتوحة – سنعود إليك",
    status_pending: "بانتظار ردك",
    status_solved: "تم الحل",
    resolved_question: "هل تم حل مشكلتك؟",
    rating_legend: "كيف تقيّم مساعدتنا؟ (اختياري)",
    ratings: ["1 – ضعيف", "2", "3", "4", "5 – ممتاز"],
    comment_label: "هل تريد إضافة شيء؟ (اختياري)",
    send_answer: "إرسال الإجابة",
    answer_needed: "يرجى اختيار نعم أو لا.",
    thanks_answer: "شكرًا على إجابتك!",
    reopen: "إعادة فتح المحادثة",
    reopened: "محادثتك مفتوحة مرة أخرى. سنعود إليك.",
    unread_one: "رد واحد غير مقروء",
    unread_n: "{n} ردود غير مقروءة",
    closed_until: "نحن مغلقون الآن؛ سنرد ابتداءً من {when}.",
    closed: "نحن مغلقون الآن؛ سنرد فور عودتنا.",
    earlier: "محادثاتك السابقة",
    sign_in_first: "يرجى تسجيل الدخول إلى حسابك على هذا الموقع للتواصل مع الدعم.",
};

/// The live strings for a locale tag, chosen like [`table`].
pub fn live_messages(locale: &str) -> &'static LiveMessages {
    match language(locale).as_str() {
        "de" => &LIVE_DE,
        "ar" => &LIVE_AR,
        _ => &LIVE_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags_pick_their_language_and_fall_back_to_english() {
        assert_eq!(table("de-AT").lang, "de");
        assert_eq!(table("AR").dir, "rtl");
        assert_eq!(table("fr").lang, "en");
        assert_eq!(table("").lang, "en");
    }

    #[test]
    fn every_language_fills_every_placeholder() {
        for m in [&EN, &DE, &AR] {
            assert!(m.n_results.contains("{n}"), "{}", m.lang);
            assert!(m.no_results.contains("{q}"), "{}", m.lang);
            assert!(!m.send.is_empty() && !m.support.is_empty(), "{}", m.lang);
        }
        for (lang, f) in [("en", &FLOW_EN), ("de", &FLOW_DE), ("ar", &FLOW_AR)] {
            assert_eq!(flow_messages(lang).guided_fix, f.guided_fix, "{lang}");
            assert!(
                f.step_of.contains("{n}") && f.step_of.contains("{m}"),
                "{lang}"
            );
            assert!(f.rating_n.contains("{n}"), "{lang}");
        }
        for (lang, l) in [("en", &LIVE_EN), ("de", &LIVE_DE), ("ar", &LIVE_AR)] {
            assert_eq!(live_messages(lang).reopen, l.reopen, "{lang}");
            assert!(l.unread_n.contains("{n}"), "{lang}");
            assert!(l.closed_until.contains("{when}"), "{lang}");
        }
    }
}
