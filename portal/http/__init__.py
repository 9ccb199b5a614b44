"""The portal's HTTP kernel: what the pages (portal.web) and the JSON API (portal.api) both
use to serve a request — the app's context, sessions, CSRF, access rules, the signed-in
user, error responses, languages, client addresses, security headers, uploads. It imports
neither of them."""
