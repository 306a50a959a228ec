"""Answers, threads and posts that the browser tests send through the API.

All texts were written by this project for these tests (not copied from anywhere): German and
English survey answers about a parcel/online-shop service, each with an NPS score, a
touchpoint, a survey and a date spread over eight weeks, so the touchpoint chart, the theme
table, the driver and trend charts have something to show. One answer carries an HTML script
tag, which the UI must show as text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SCRIPT_TEXT = (
    "Der Chat-Button zeigt nur Code an: <script>alert(1)</script> Ihr Idioten, repariert das!"
)
# A touchpoint name with markup: the table and the chart must show it as typed.
HTML_TOUCHPOINT = "<b>kiosk</b>"
# Dates are relative to today: the emerging-themes window is the last 7 days before now.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
START = NOW - timedelta(days=63)

# (touchpoint, language, NPS, text); the position sets the week.
ANSWERS: list[tuple[str, str, int, str]] = [
    (
        "delivery",
        "de",
        2,
        "Das Paket kam vier Tage später als angekündigt und niemand hat Bescheid gegeben.",
    ),
    (
        "delivery",
        "de",
        3,
        "Lieferung verspätet, die Sendungsverfolgung zeigte tagelang denselben Status.",
    ),
    (
        "delivery",
        "en",
        1,
        "My parcel was left at the wrong house and I had to search the street for it.",
    ),
    ("delivery", "en", 9, "Delivery arrived a day early and the driver was very polite."),
    ("delivery", "de", 10, "Schnelle Lieferung, gut verpackt, alles heil angekommen."),
    ("delivery", "de", 4, "Der Bote hat nicht geklingelt, sondern gleich eine Karte eingeworfen."),
    ("delivery", "en", 2, "Tracking said delivered but nothing was at my door for two days."),
    ("delivery", "de", 8, "Die Zustellung war pünktlich, nur das Zeitfenster war sehr breit."),
    ("delivery", "en", 3, "The box was crushed and one of the glasses inside was broken."),
    ("delivery", "de", 9, "Lieferung am Samstag war super praktisch für mich."),
    ("delivery", "en", 6, "Delivery took a week, which is slower than other shops."),
    ("delivery", "de", 1, "Paket beschädigt angekommen, der Inhalt war nass."),
    (
        "hotline",
        "de",
        9,
        "Die Dame an der Hotline war freundlich und hat mein Problem sofort gelöst.",
    ),
    ("hotline", "en", 10, "Support solved my billing question in five minutes, great service."),
    (
        "hotline",
        "de",
        2,
        "Ich hing vierzig Minuten in der Warteschleife und wurde dann aus der Leitung geworfen.",
    ),
    ("hotline", "en", 3, "Waited on hold for ages and the agent could not answer my question."),
    ("hotline", "de", 8, "Kompetente Beratung am Telefon, aber die Wartezeit war lang."),
    ("hotline", "en", 9, "The support agent was patient and explained everything clearly."),
    (
        "hotline",
        "de",
        4,
        "Man wird von einer Abteilung zur nächsten verbunden, keiner fühlt sich zuständig.",
    ),
    (
        "hotline",
        "en",
        7,
        "Friendly staff, but I had to call twice before the refund was processed.",
    ),
    ("app", "de", 3, "Seit dem letzten Update stürzt die App beim Bezahlen jedes Mal ab."),
    ("app", "en", 2, "The app logs me out every time I switch to another app, very annoying."),
    ("app", "de", 9, "Die App ist übersichtlich und die Bestellung geht in wenigen Sekunden."),
    ("app", "en", 8, "I like the new app design, finding products is much easier now."),
    ("app", "de", 5, "Die Suche in der App findet oft nicht das, was ich eingebe."),
    ("app", "en", 4, "Push notifications arrive hours after the parcel was already delivered."),
    ("app", "de", 2, "App lädt ewig und zeigt dann eine leere Seite."),
    ("app", "en", 10, "Ordering in the app is quick and the saved payment details work well."),
    (
        "billing",
        "de",
        1,
        "Mir wurde die Bestellung doppelt abgebucht und das Geld kam erst nach Wochen zurück.",
    ),
    (
        "billing",
        "en",
        2,
        "I was charged a shipping fee although the order was above the free delivery limit.",
    ),
    ("billing", "de", 6, "Die Rechnung ist korrekt, aber schwer zu verstehen."),
    ("billing", "en", 9, "Paying by invoice is convenient and the reminder emails are helpful."),
    ("billing", "de", 3, "Die Gutschrift für meine Rücksendung fehlt immer noch."),
    ("billing", "en", 8, "Refund arrived within three days after I returned the item."),
    ("shop", "de", 10, "Große Auswahl und faire Preise, ich bestelle hier gern."),
    ("shop", "en", 9, "Good prices and the product descriptions are accurate."),
    ("shop", "de", 7, "Gute Produkte, aber die Größenangaben bei Kleidung stimmen oft nicht."),
    ("shop", "en", 5, "Many items are out of stock and there is no date when they come back."),
    ("shop", "de", 9, "Die Produktbewertungen helfen mir sehr bei der Auswahl."),
    ("shop", "en", 3, "Prices changed between putting items in the basket and paying."),
]

# More answers of the same weeks, so themes reach the driver model's minimum of answers.
MORE_ANSWERS: list[tuple[str, str, int, str]] = [
    (
        "delivery",
        "de",
        2,
        "Die Lieferung hat über eine Woche gedauert, obwohl Expressversand bezahlt war.",
    ),
    ("delivery", "en", 2, "The parcel arrived late and the courier left it in the rain."),
    ("delivery", "de", 9, "Paket kam pünktlich an, der Fahrer hat es sogar zum Nachbarn gebracht."),
    ("delivery", "en", 10, "Fast shipping, the parcel was on my doorstep the next morning."),
    ("delivery", "de", 3, "Zustellung verspätet und die Sendungsnummer funktionierte nicht."),
    ("delivery", "en", 4, "Delivery was two days late and nobody told me why."),
    ("delivery", "de", 8, "Lieferung ging schnell, nur die Verpackung war viel zu groß."),
    ("delivery", "en", 1, "Third late delivery in a row, the parcel service is unreliable."),
    ("hotline", "de", 3, "Lange Wartezeit an der Hotline und am Ende keine Lösung."),
    ("hotline", "en", 10, "The hotline agent called me back as promised and fixed the issue."),
    ("hotline", "de", 9, "Sehr hilfsbereiter Mitarbeiter am Telefon, danke!"),
    ("hotline", "en", 2, "I was on hold for fifty minutes and then the line went dead."),
    ("hotline", "de", 5, "Die Hotline ist nur werktags erreichbar, das ist zu wenig."),
    ("hotline", "en", 8, "Support was helpful, though it took a while to get through."),
    ("hotline", "en", 1, "Two hours on hold, counting every minute, and still no answer."),
    ("hotline", "de", 2, "Über eine Stunde in der Warteschleife, das ist eine Zumutung."),
    ("hotline", "en", 3, "I called three times and every call was dropped while on hold."),
    ("hotline", "de", 9, "Der Rückruf kam schnell und das Problem war in Minuten erledigt."),
    ("hotline", "en", 9, "Quick reply from the phone team, much appreciated."),
    ("hotline", "de", 2, "Am Telefon wurde ich dreimal weiterverbunden und dann aufgelegt."),
    ("hotline", "en", 10, "The agent on the phone helped me right away, thank you."),
    ("hotline", "de", 4, "Die Warteschleife dauert jedes Mal mindestens dreißig Minuten."),
    ("app", "de", 9, "Die App funktioniert zuverlässig und ist schnell."),
    ("app", "en", 3, "The app keeps asking me to log in again after every update."),
    ("app", "de", 4, "In der App kann man die Lieferadresse nicht nachträglich ändern."),
    ("app", "en", 9, "Great app, tracking my order there is simple."),
    ("billing", "de", 2, "Die Rechnung enthielt einen Artikel, den ich nie bestellt habe."),
    ("billing", "en", 3, "My refund has been pending for three weeks now."),
    ("billing", "de", 9, "Bezahlung per Rechnung klappt problemlos."),
    ("billing", "en", 4, "The invoice total did not match the price shown at checkout."),
    ("shop", "de", 10, "Tolle Auswahl, gute Preise und schnelle Abwicklung."),
    ("shop", "en", 8, "Nice selection, but the website is slow in the evening."),
    ("shop", "de", 4, "Viele Artikel sind ständig ausverkauft."),
    ("shop", "en", 9, "Prices are fair and the discounts for members are worth it."),
]

# Answers of the last five days about the app crashing after an update: a theme whose share
# rises sharply in the emerging-themes window.
RECENT_CRASHES: list[tuple[str, str, int, str]] = [
    ("app", "de", 1, "Seit dem neuen Update stürzt die App beim Start sofort ab."),
    ("app", "en", 2, "Since the latest update the app crashes as soon as I open it."),
    (
        "app",
        "de",
        0,
        "Die App stürzt nach dem Update jedes Mal ab, wenn ich in den Warenkorb gehe.",
    ),
    ("app", "en", 1, "App crashes after the update whenever I try to pay."),
    (
        "app",
        "de",
        2,
        "Nach dem Update lässt sich die App gar nicht mehr öffnen, sie stürzt direkt ab.",
    ),
    ("app", "en", 0, "The new version of the app crashes every few minutes."),
    ("app", "de", 3, "App abgestürzt, Bestellung weg, nach dem Update nur Ärger."),
    ("app", "en", 1, "Crashing app since yesterday's update, I cannot order anything."),
]

THREAD = {"title": "Neue App-Version 5.2", "touchpoint": "app"}
POSTS: list[tuple[str, str]] = [
    ("u-17", "Hat noch jemand Probleme mit dem Login seit dem Update?"),
    ("u-23", "Bei mir geht es, aber die Suche ist langsamer geworden."),
    ("u-31", "Ihr seid doch alle Idioten, die App ist Müll!"),
]
CHURN_ANSWER = (
    "billing",
    "de",
    0,
    "Nach der dritten falschen Abbuchung kündige ich mein Kundenkonto.",
)


def answer_payloads() -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    rows = [*ANSWERS, *MORE_ANSWERS, CHURN_ANSWER]
    dated = [
        (row, START + timedelta(days=(i * 53) % 56, hours=i % 9)) for i, row in enumerate(rows)
    ]
    dated += [
        (row, NOW - timedelta(days=1 + i % 5, hours=i)) for i, row in enumerate(RECENT_CRASHES)
    ]
    for i, ((touchpoint, language, nps, text), submitted) in enumerate(dated):
        items.append(
            {
                "external_id": f"ui-test/{i}",
                "survey_id": "relationship-2026" if i % 3 else "post-purchase-2026",
                "question_id": "why",
                "touchpoint": touchpoint,
                "kpi": {"type": "nps", "score": nps},
                "language": language,
                "text": text,
                "submitted_at": submitted.isoformat(),
            }
        )
    items.append(
        {
            "external_id": "ui-test/script",
            "survey_id": "relationship-2026",
            "question_id": "why",
            "touchpoint": HTML_TOUCHPOINT,
            "kpi": {"type": "nps", "score": 0},
            "language": "de",
            "text": SCRIPT_TEXT,
            "submitted_at": (NOW - timedelta(days=12)).isoformat(),
        }
    )
    return items
