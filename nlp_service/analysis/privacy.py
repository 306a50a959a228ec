"""Redact personal data (e-mail, phone, IBAN, payment card, secret-bearing URL) in feedback text.

Detectors run in a fixed order on the text with earlier finds blanked out, so a later detector
never sees (or overlaps) an earlier one: URL, e-mail, IBAN, card, phone. Checksums (IBAN mod 97,
Luhn) and phone metadata (`phonenumbers`, VALID leniency) keep order numbers, dates and prices out.
"""

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import phonenumbers
from phonenumbers import Leniency
from stdnum import iban, luhn

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "url": "[URL]",
}


@dataclass(frozen=True)
class PiiSpan:
    type: str  # "email" | "phone" | "iban" | "card" | "url"
    start: int  # offsets in the ORIGINAL text
    end: int


@dataclass(frozen=True)
class Redaction:
    text: str
    spans: tuple[PiiSpan, ...]  # sorted by start, non-overlapping

    @property
    def entity_types(self) -> list[str]:
        return sorted({span.type for span in self.spans})

    def to_original(self, offset: int, *, end: bool = False) -> int:
        """Map an offset in the redacted text to the original text. An offset inside a
        placeholder maps to the start of the personal data it replaced (or its end, for the end
        of a span), so a span that covers a placeholder covers the whole original value."""
        delta = 0
        for span in self.spans:
            placeholder_start = span.start + delta
            placeholder_end = placeholder_start + len(PLACEHOLDERS[span.type])
            if offset <= placeholder_start:
                break
            if offset < placeholder_end:
                return span.end if end else span.start
            delta += placeholder_end - placeholder_start - (span.end - span.start)
        return offset - delta


Finding = tuple[int, int]

# --- URLs -------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\")]}"
# Query/fragment parameter names (split on - _ .) that carry credentials or session state.
_SECRET_PARAMS = frozenset(
    {
        *("token", "accesstoken", "access", "refresh", "key", "apikey", "secret", "session"),
        *("sessionid", "sid", "auth", "authorization", "sig", "signature", "code", "password"),
        *("passwd", "pwd", "pass", "otp", "jwt", "hash", "nonce", "credential", "credentials"),
        *("email", "mail"),
    }
)
_SECRET_PARAM_PARTS = ("token", "secret", "passw", "session", "auth", "apikey")
_RANDOM_PIECE = re.compile(r"(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{16,}")
_HEX_ID = re.compile(r"[0-9a-fA-F]{32,}")
_BASE64ISH = re.compile(r"(?=\S*[a-z])(?=\S*[A-Z])[A-Za-z0-9+/=]{24,}")


def _looks_random(value: str) -> bool:
    """Session ids, reset tokens and UUIDs, as opposed to readable slugs like `sommer-sale-2024`."""
    if _HEX_ID.fullmatch(value.replace("-", "")) or _BASE64ISH.fullmatch(value):
        return True
    return any(_RANDOM_PIECE.fullmatch(piece) for piece in re.split(r"[-_.~]", value))


def _is_secret_param(name: str) -> bool:
    lowered = name.lower()
    if any(part in lowered for part in _SECRET_PARAM_PARTS):
        return True
    return any(part in _SECRET_PARAMS for part in re.split(r"[-_.\[\]]", lowered))


def _url_is_sensitive(url: str) -> bool:
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.password or "@" in parts.path + parts.query + parts.fragment:
        return True  # credentials or an e-mail address inside the URL
    params = parse_qsl(parts.query, keep_blank_values=True)
    params += parse_qsl(parts.fragment, keep_blank_values=True)
    if any(_is_secret_param(name) or _looks_random(value) for name, value in params):
        return True
    return any(_looks_random(segment) for segment in parts.path.split("/") if segment)


def _scan_urls(text: str) -> tuple[list[Finding], list[Finding]]:
    """Return (sensitive URLs to redact, plain URLs that later detectors must not look into)."""
    sensitive: list[Finding] = []
    plain: list[Finding] = []
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING:
            if text[end - 1] == ")" and "(" in text[start:end]:
                break
            end -= 1
        (sensitive if _url_is_sensitive(text[start:end]) else plain).append((start, end))
    return sensitive, plain


# --- e-mail -----------------------------------------------------------------------------------

# The look-behind pins matches to the start of a run, which keeps long texts linear.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])")


def _find_emails(text: str) -> Iterator[Finding]:
    if "@" in text:
        yield from (m.span() for m in _EMAIL.finditer(text))


# --- IBAN -------------------------------------------------------------------------------------

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){10,30}")


def _find_ibans(text: str) -> Iterator[Finding]:
    for match in _IBAN.finditer(text):
        candidate, start, end = match.group(), match.start(), match.end()
        # The greedy match may run into the next word ("... 0130 00 BIC"); try cuts at
        # separators, longest first. The checksum plus fixed per-country length decide.
        cuts = [i for i, ch in enumerate(candidate) if ch in " -"]
        if end == len(text) or not text[end].isalnum():
            cuts.append(len(candidate))  # else glued to a longer word, e.g. a product code
        for cut in reversed(cuts):
            if iban.is_valid(candidate[:cut]):
                yield start, start + cut
                break


# --- payment cards ----------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<![\w+])(?<![0-9][.,])[0-9](?:[ -]?[0-9])*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_CARD_FIRST_DIGITS = "23456"  # Mastercard 2-series, Amex/Diners, Visa, Mastercard, Discover


def _find_cards(text: str) -> Iterator[Finding]:
    for run in _DIGIT_RUN.finditer(text):
        if run.end() < len(text) and text[run.end()].isalnum():
            continue
        if len(run.group()) < 13:
            continue
        groups = [
            (g.start() + run.start(), g.end() + run.start())
            for g in _DIGIT_GROUP.finditer(run.group())
        ]
        yield from _cards_in_groups(text, groups)


def _cards_in_groups(text: str, groups: list[Finding]) -> Iterator[Finding]:
    """Leftmost-longest windows of whole digit groups that are 13-19 digit Luhn-valid numbers."""
    i = 0
    while i < len(groups):
        last: int | None = None  # index of the window's last group
        digits = ""
        for j in range(i, len(groups)):
            group = text[groups[j][0] : groups[j][1]]
            # Cards are printed in groups of 3+ digits; "0 171 12 34 56" is a phone layout.
            if len(group) < 3 or (j == i and group[0] not in _CARD_FIRST_DIGITS):
                break
            digits += group
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn.is_valid(digits):
                last = j
        if last is None:
            i += 1
        else:
            yield groups[i][0], groups[last][1]
            i = last + 1


# --- phone numbers ----------------------------------------------------------------------------

_SIX_DIGITS = re.compile(r"[0-9](?:[^0-9]*[0-9]){5}")
# Numbers right after these words are order/customer/ticket ids even when they parse as phones.
_ID_CONTEXT = re.compile(
    r"(?:\b(?:kunden|bestell|auftrags|rechnungs|vertrags|vorgangs|artikel|referenz|sendungs"
    r"|buchungs|mitglieds|serien|transaktions|konto|versicherungs)[\s-]?(?:nummer|nr\.?|id)"
    r"|\b(?:bestellung|auftrag|rechnung|vorgang|ticket|artikel|sendung|buchung|order|invoice"
    r"|customer|account|case|reference|ref|item|tracking|booking|transaction|serial|member"
    r"|membership|contract|policy|id)(?:[\s-]?(?:number|no\.?|nr\.?|id))?"
    r"|#)\s*[:#.]?\s*(?:(?:ist|lautet|is|was|war)\s+)?#?\s*$",
    re.IGNORECASE,
)


def _find_phones(text: str) -> Iterator[Finding]:
    if not _SIX_DIGITS.search(text):
        return  # the matcher is the slow part; most answers contain no number at all
    # VALID (not POSSIBLE) rejects dates, prices, postcodes and bare order numbers by metadata.
    matcher = phonenumbers.PhoneNumberMatcher(
        text, "DE", leniency=Leniency.VALID, max_tries=max(len(text), 65535)
    )
    for match in matcher:
        # Written phone numbers start with a trunk or international prefix; this drops
        # ids such as "123456789" that happen to be valid national numbers.
        if match.raw_string.lstrip("(")[:1] not in ("+", "0"):
            continue
        if _ID_CONTEXT.search(text, max(0, match.start - 40), match.start):
            continue
        yield match.start, match.end


# --- assembly ---------------------------------------------------------------------------------

_DETECTORS: tuple[tuple[str, Callable[[str], Iterator[Finding]]], ...] = (
    ("email", _find_emails),
    ("iban", _find_ibans),
    ("card", _find_cards),
    ("phone", _find_phones),
)


def _blank(text: str, regions: list[Finding]) -> str:
    """Same-length copy with the sorted regions replaced by spaces, so offsets stay valid."""
    if not regions:
        return text
    out: list[str] = []
    pos = 0
    for start, end in regions:
        out.append(text[pos:start])
        out.append(" " * (end - start))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _overlaps(taken: list[Finding], start: int, end: int) -> bool:
    """`taken` is sorted and non-overlapping, so only the two neighbours can collide."""
    i = bisect.bisect_right(taken, (start, end))
    return (i > 0 and taken[i - 1][1] > start) or (i < len(taken) and taken[i][0] < end)


def redact(text: str) -> Redaction:
    """Replace personal data by placeholders; spans point into the original text."""
    if not text.strip():
        return Redaction(text, ())
    sensitive, plain = _scan_urls(text)
    spans = [PiiSpan("url", start, end) for start, end in sensitive]
    taken = sorted(sensitive + plain)
    for kind, find in _DETECTORS:
        view = _blank(text, taken)
        for start, end in find(view):
            if not _overlaps(taken, start, end):
                spans.append(PiiSpan(kind, start, end))
                bisect.insort(taken, (start, end))
    spans.sort(key=lambda span: span.start)
    return Redaction(_substitute(text, spans), tuple(spans))


def _substitute(text: str, spans: list[PiiSpan]) -> str:
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(PLACEHOLDERS[span.type])
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
