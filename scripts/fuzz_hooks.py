"""Schemathesis hooks for `npm run test:fuzz` (scripts/fuzz.ts loads them through SCHEMATHESIS_HOOKS).

`positive_data_acceptance_per_contract` is Schemathesis' own `positive_data_acceptance` (a
schema-valid request must not be refused) with exactly the refusals API.md gives to valid requests
when the state of the data decides, told apart by the error's type and code:

- 400 `invalid_cursor`: a well-formed `startingAfter` that names nothing the caller may list;
- 400 `invalid_query` on `accountId`: a support agent lists cancellations without naming the account
  (optional for a user, required for support: a schema cannot say so);
- 400 `invalid_url` on `url`: a webhook URL whose scheme the deployment refuses, or whose host does not
  resolve or resolves to a private address;
- 422 `idempotency_error`: an Idempotency-Key already used for another request (generated keys repeat);
- 422 `cancellation_refused`: the policy (P11) or the support verification (P12) refused it.

Any other refusal of schema-valid data fails the run, as the built-in check does; scripts/fuzz.ts
runs this check instead of the built-in one.
"""

import schemathesis
from schemathesis.specs.openapi.checks import RejectedPositiveData, positive_data_acceptance

STATE_DEPENDENT = {
    (400, "invalid_request_error", "invalid_cursor", "startingAfter"),
    # Who the caller is decides, which a schema cannot say: a support agent must name the account.
    (400, "invalid_request_error", "invalid_query", "accountId"),
    # A webhook URL (an absolute URI, as the document says) must use https and its host resolve to public
    # addresses only (API.md v1.2): the deployment (WEBHOOK_ALLOW_PRIVATE) and DNS decide, not a schema.
    (400, "invalid_request_error", "invalid_url", "url"),
}
STATE_DEPENDENT_TYPES = {
    (422, "idempotency_error"),
    (422, "cancellation_refused"),
}


def _error(response):
    try:
        error = response.json()["error"]
        return error.get("type"), error.get("code"), error.get("param")
    except Exception:  # not the API's error shape: no exception applies
        return None, None, None


@schemathesis.check
def positive_data_acceptance_per_contract(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        error_type, code, param = _error(response)
        status = response.status_code
        if (status, error_type, code, param) in STATE_DEPENDENT or (status, error_type) in STATE_DEPENDENT_TYPES:
            return None
        raise
