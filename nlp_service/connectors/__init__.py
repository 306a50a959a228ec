"""Survey platforms as they are: pure mapping of their webhook payloads and export files to
answers, signature checks, and export formatting. Imports nothing from store/, services/, api/.

    signatures  Standard Webhooks (Formbricks, generic), Typeform-Signature, plain HMAC header
    selectors   JSONPath-like field selectors ("$.data.answers[0].text", "hidden.channel")
    payloads    a platform's webhook body -> SurveyResponse (values keyed by question id / ref)
    files       CSV/XLSX exports (Qualtrics, LimeSurvey, plain CSV) -> SurveyResponses per row
    mapping     MappingSpec (which question is the KPI, which are open text, ...) and
                map_response: one SurveyResponse -> one answer per open question
    exports     one row per answer as CSV, XLSX or JSON lines (spreadsheet-safe cells)
"""
