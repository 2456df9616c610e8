/** Help texts: `pastectl --help`, `pastectl <group> --help`, `pastectl <group> <command> --help`. */

const GLOBAL = `Global flags:
  --api-key KEY          API key (pm_…) sent as a bearer token [env PASTEMESH_API_KEY]
  --auth-addr HOST:PORT  auth-svc gRPC address [env AUTH_SVC_URL, default 127.0.0.1:5001]
  --paste-addr HOST:PORT paste-svc gRPC address [env PASTE_SVC_URL, default 127.0.0.1:5002]
  --analytics-addr H:P   analytics-svc gRPC address [env ANALYTICS_SVC_URL, default 127.0.0.1:5003]
  --timeout MS           deadline of each call [env PASTEMESH_TIMEOUT_MS, default 5000]
  --json                 print JSON on stdout (errors as JSON on stderr)
  --no-progress          never show the progress line (it only appears when stderr is a terminal)
  -h, --help             show help`;

const EXIT_CODES = `Exit codes:
  0 ok   1 unexpected error   2 bad command line   3 not found   4 not authenticated / not allowed
  5 input rejected   6 service unreachable or too slow   7 rate limited   8 a service is not SERVING (health)`;

export const MAIN_HELP = `pastectl: operate Pastemesh by calling its services directly over gRPC.

Usage: pastectl [flags] <command> [arguments]

Commands:
  paste get ID              show a paste (metadata and content)
  paste create [FILE|-]     store a paste from a file or standard input
  paste delete ID           delete a paste (owner, admin, or --delete-token)
  paste list --user ID|me   list a user's pastes (recent public pastes without --user)
  stats top                 most viewed public pastes
  stats paste ID            one paste's view statistics
  user make-admin USER      grant (or --revoke) the admin role; USER is an id or an email
  health                    grpc.health.v1 Check on every service

${GLOBAL}

${EXIT_CODES}

Run "pastectl <command> --help" for a command's flags and examples.
`;

export const COMMAND_HELP: Record<string, string> = {
  paste: `Usage: pastectl paste <get|create|delete|list> …

  paste get ID              show a paste
  paste create [FILE|-]     store a paste
  paste delete ID           delete a paste
  paste list --user ID|me   list a user's pastes
`,
  'paste get': `Usage: pastectl paste get ID [--version N] [--meta | --raw] [--reveal]

Shows a paste's metadata and content (latest version unless --version), in one call.
A burn-after-read paste is shown concealed (no content, size or hash) and left intact.
  --version N   an older version
  --meta        metadata only (never fetches content)
  --raw         content only, byte for byte (for redirecting to a file)
  --reveal      read the latest content with RevealPaste; a burn-after-read paste
                is deleted by it (only the first reader ever gets it)

Examples:
  pastectl paste get aB3dE5gH7jK
  pastectl paste get aB3dE5gH7jK --version 1 --raw > v1.txt
  pastectl paste get aB3dE5gH7jK --reveal --raw > secret.txt
  pastectl --json paste get aB3dE5gH7jK | jq -r .paste.title
`,
  'paste create': `Usage: pastectl paste create [FILE|-] [flags]

Stores a paste from FILE, or from standard input when FILE is "-" or absent.
Anonymous (no API key) pastes print a delete token, shown once.
  --title TEXT              at most 200 characters
  --language ID             e.g. python, typescript (default auto)
  --visibility public|unlisted|private   (default public; private needs an API key)
  --expiry 10m|1h|1d|1w|1mo|1y|never     (default: the server's, one week)
  --burn-after-read         delete on first read
  --public-url URL          base of the printed link [env PASTEMESH_PUBLIC_URL, default http://localhost:5000]

Examples:
  pastectl paste create notes.md --title "Release notes" --language markdown
  journalctl -n 200 | pastectl paste create --visibility unlisted --expiry 1d
`,
  'paste delete': `Usage: pastectl paste delete ID [--delete-token TOKEN]

Deletes a paste and every version. Allowed for its owner, an admin, or with its delete token.

Examples:
  pastectl --api-key "$ADMIN_KEY" paste delete aB3dE5gH7jK
  pastectl paste delete aB3dE5gH7jK --delete-token "$TOKEN"
`,
  'paste list': `Usage: pastectl paste list [--user ID|me] [--limit N | --all]

Lists pastes newest first: a user's (all visibilities when the API key is that user's),
or recent public pastes without --user. "me" is the API key's user.
  --limit N   how many (default 20)
  --all       every page (a progress line shows on a terminal)

Examples:
  pastectl --api-key "$KEY" paste list --user me --all
  pastectl --json paste list --user 6f1c… --limit 100 | jq -r '.pastes[].id'
`,
  stats: `Usage: pastectl stats <top|paste> …

  stats top [--window day|week|month] [--limit N]
  stats paste ID
`,
  'stats top': `Usage: pastectl stats top [--window day|week|month] [--limit N]

The most viewed public pastes in a window ending now (default day, 10).

Example:
  pastectl stats top --window week --limit 5
`,
  'stats paste': `Usage: pastectl stats paste ID

Total and unique views, the last view, and views per day for 30 days.

Example:
  pastectl --json stats paste aB3dE5gH7jK | jq .totalViews
`,
  user: `Usage: pastectl user make-admin USER [--revoke]
`,
  'user make-admin': `Usage: pastectl user make-admin USER [--revoke]

Grants the admin role (SetUserRole); --revoke removes it. USER is a user id or an
email address. Needs an admin's API key. The user's next sign-in or token refresh carries the role.

Examples:
  pastectl --api-key "$ADMIN_KEY" user make-admin alice@example.com
  pastectl --api-key "$ADMIN_KEY" user make-admin alice@example.com --revoke
`,
  health: `Usage: pastectl health

Calls grpc.health.v1.Health/Check on auth-svc, paste-svc and analytics-svc.
Exits 0 when all are SERVING, 8 otherwise (unreachable counts as not serving).

Example:
  pastectl health || alert "pastemesh degraded"
`,
};

export { GLOBAL as GLOBAL_HELP };
