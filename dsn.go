package libsql

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
)

// ParseDSN reads a data source name into a Config.
//
// A local database is a path, a "file:" URI or ":memory:"; a remote one is
// a libsql://, https:// or http:// URL (ws:// and wss:// name the same
// server, spoken to over HTTP and HTTPS); a remote URL with a replica
// parameter is an embedded replica of it, kept in that local file:
//
//	app.db
//	file:app.db?busy_timeout=5s&journal_mode=wal
//	:memory:
//	libsql://db.example.com?authToken=TOKEN
//	libsql://db.example.com?authToken=TOKEN&replica=local.db&sync_interval=1m
//	http://127.0.0.1:8080?authToken=TOKEN&namespace=acme
//
// The parameters, the other spellings accepted for them (those of
// mattn/go-sqlite3 and of Turso's clients), the Config field each sets and
// the modes in which it applies:
//
//	parameter             also                   value          sets                 modes
//	authToken             auth_token             text           AuthToken            remote, replica
//	replica                                      path           Database             replica
//	namespace                                    text           Namespace            remote, replica
//	remoteEncryptionKey   remote_encryption_key  text           RemoteEncryptionKey  remote, replica
//	sync_interval         syncInterval           duration       SyncInterval         replica
//	read_your_writes      readYourWrites         on|off         ReadYourWrites       replica
//	connect_timeout                              duration|ms    ConnectTimeout       remote, replica
//	request_timeout                              duration|ms    RequestTimeout       remote, replica
//	max_response_bytes                           integer        MaxResponseBytes     remote, replica
//	busy_timeout          _busy_timeout          duration|ms    BusyTimeout          local, replica
//	journal_mode          _journal_mode          text           JournalMode          local, replica
//	synchronous           _synchronous           text           Synchronous          local, replica
//	foreign_keys          _foreign_keys          on|off         !DisableForeignKeys  local, replica
//	tx_lock               _txlock                text           TxLock               local, remote, replica
//	encryption_key        encryptionKey          text           EncryptionKey        local, replica
//	statement_cache_size                         integer        StatementCacheSize   local, replica
//	mode                                         SQLite's       (file: URI)          local
//	cache                                        SQLite's       (file: URI)          local
//	vfs                                          SQLite's       (file: URI)          local
//	immutable                                    SQLite's       (file: URI)          local
//	nolock                                       SQLite's       (file: URI)          local
//	psow                                         SQLite's       (file: URI)          local
//
// A duration is a Go duration ("5s"); duration|ms also takes a number of
// milliseconds. SQLite's own URI parameters are passed on to it in a
// "file:" URI. A local path takes the parameters of the local mode, a URL
// those of the remote and replica modes; one that applies only in another
// mode of the same form (busy_timeout on a remote URL without replica)
// is refused by Validate.
//
// ParseDSN refuses what it could only guess at: an unknown parameter (with
// the nearest known name as a suggestion), a parameter given twice, under
// one spelling or two, and a pair that is not valid URL encoding (write a
// literal % as %25, & as %26, ; as %3B, # as %23). Its errors never
// contain a token or a key. ParseDSN reads the parameters' syntax; what
// the values mean, alone and together, is checked by Config.Validate,
// which ParseDSN runs on the result, so a DSN and a Config with the same
// settings fail alike.
func ParseDSN(dsn string) (Config, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// dsnParam is one DSN parameter; dsnParams is the one list of them, which
// the parser, the suggestion for a typo and ParseDSN's documentation (a
// test compares them) all read.
type dsnParam struct {
	name    string
	aliases []string
	value   string // the syntax, as documented
	field   string // the Config field set, as documented
	modes   []Mode
	// secret values are never repeated in an error.
	secret bool
	// set stores the value; nil passes the parameter on to SQLite in a
	// file: URI.
	set func(c *Config, v string) error
}

var (
	localModes   = []Mode{ModeLocal, ModeEmbeddedReplica}
	remoteModes  = []Mode{ModeRemote, ModeEmbeddedReplica}
	replicaModes = []Mode{ModeEmbeddedReplica}
	allModes     = []Mode{ModeLocal, ModeRemote, ModeEmbeddedReplica}
)

// sqliteURIParam is a parameter SQLite itself reads from a file: URI.
func sqliteURIParam(name string) dsnParam {
	return dsnParam{name: name, value: "SQLite's", field: "(file: URI)", modes: []Mode{ModeLocal}}
}

var dsnParams = []dsnParam{
	{name: "authToken", aliases: []string{"auth_token"}, value: "text", field: "AuthToken", modes: remoteModes, secret: true,
		set: func(c *Config, v string) error { c.AuthToken = v; return nil }},
	{name: "replica", value: "path", field: "Database", modes: replicaModes,
		set: func(c *Config, v string) error { c.Database = v; return nil }},
	{name: "namespace", value: "text", field: "Namespace", modes: remoteModes,
		set: func(c *Config, v string) error { c.Namespace = v; return nil }},
	{name: "remoteEncryptionKey", aliases: []string{"remote_encryption_key"}, value: "text", field: "RemoteEncryptionKey", modes: remoteModes, secret: true,
		set: func(c *Config, v string) error { c.RemoteEncryptionKey = v; return nil }},
	{name: "sync_interval", aliases: []string{"syncInterval"}, value: "duration", field: "SyncInterval", modes: replicaModes,
		set: func(c *Config, v string) (err error) { c.SyncInterval, err = time.ParseDuration(v); return err }},
	{name: "read_your_writes", aliases: []string{"readYourWrites"}, value: "on|off", field: "ReadYourWrites", modes: replicaModes,
		set: func(c *Config, v string) error {
			on, err := parseSwitch(v)
			c.ReadYourWrites = &on
			return err
		}},
	{name: "connect_timeout", value: "duration|ms", field: "ConnectTimeout", modes: remoteModes,
		set: func(c *Config, v string) (err error) { c.ConnectTimeout, err = parseMillis(v); return err }},
	{name: "request_timeout", value: "duration|ms", field: "RequestTimeout", modes: remoteModes,
		set: func(c *Config, v string) (err error) { c.RequestTimeout, err = parseMillis(v); return err }},
	{name: "max_response_bytes", value: "integer", field: "MaxResponseBytes", modes: remoteModes,
		set: func(c *Config, v string) (err error) {
			c.MaxResponseBytes, err = strconv.ParseInt(v, 10, 64)
			return err
		}},
	{name: "busy_timeout", aliases: []string{"_busy_timeout"}, value: "duration|ms", field: "BusyTimeout", modes: localModes,
		set: func(c *Config, v string) (err error) { c.BusyTimeout, err = parseMillis(v); return err }},
	{name: "journal_mode", aliases: []string{"_journal_mode"}, value: "text", field: "JournalMode", modes: localModes,
		set: func(c *Config, v string) error { c.JournalMode = v; return nil }},
	{name: "synchronous", aliases: []string{"_synchronous"}, value: "text", field: "Synchronous", modes: localModes,
		set: func(c *Config, v string) error { c.Synchronous = v; return nil }},
	{name: "foreign_keys", aliases: []string{"_foreign_keys"}, value: "on|off", field: "!DisableForeignKeys", modes: localModes,
		set: func(c *Config, v string) error {
			on, err := parseSwitch(v)
			c.DisableForeignKeys = !on
			return err
		}},
	{name: "tx_lock", aliases: []string{"_txlock"}, value: "text", field: "TxLock", modes: allModes,
		set: func(c *Config, v string) error { c.TxLock = v; return nil }},
	{name: "encryption_key", aliases: []string{"encryptionKey"}, value: "text", field: "EncryptionKey", modes: localModes, secret: true,
		set: func(c *Config, v string) error { c.EncryptionKey = v; return nil }},
	{name: "statement_cache_size", value: "integer", field: "StatementCacheSize", modes: localModes,
		set: func(c *Config, v string) (err error) { c.StatementCacheSize, err = strconv.Atoi(v); return err }},
	sqliteURIParam("mode"),
	sqliteURIParam("cache"),
	sqliteURIParam("vfs"),
	sqliteURIParam("immutable"),
	sqliteURIParam("nolock"),
	sqliteURIParam("psow"),
}

// dsnParamByName finds a parameter by its name or an alias.
var dsnParamByName = func() map[string]*dsnParam {
	m := map[string]*dsnParam{}
	for i := range dsnParams {
		p := &dsnParams[i]
		for _, n := range append([]string{p.name}, p.aliases...) {
			if m[n] != nil {
				panic("libsql: DSN parameter " + n + " listed twice")
			}
			m[n] = p
		}
	}
	return m
}()

// dsnForm is the form of a DSN: a local path or a remote URL.
type dsnForm int

const (
	formPath dsnForm = iota
	formURL
)

// accepts reports whether a DSN of form f may carry p: a path those of
// the local mode, a URL those of the remote and replica modes.
func (f dsnForm) accepts(p *dsnParam) bool {
	for _, m := range p.modes {
		if (m == ModeLocal) == (f == formPath) {
			return true
		}
	}
	return false
}

func parseDSN(dsn string) (Config, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return Config{}, errors.New("libsql: empty DSN")
	}
	scheme, _, hasScheme := strings.Cut(dsn, "://")
	if hasScheme {
		switch strings.ToLower(scheme) {
		case "libsql", "https", "http", "wss", "ws":
			return parseRemoteDSN(dsn)
		}
		return Config{}, fmt.Errorf("libsql: unknown URL scheme %q in DSN (want libsql://, https://, http://, file: or a path)", scheme)
	}
	return parseLocalDSN(dsn)
}

func parseLocalDSN(dsn string) (Config, error) {
	path, rawQuery, _ := strings.Cut(dsn, "?")
	cfg := Config{Database: path}
	passOn, err := cfg.setParams(rawQuery, formPath)
	if err != nil {
		return Config{}, err
	}
	if len(passOn) > 0 {
		if !strings.HasPrefix(path, "file:") {
			path = "file:" + path
		}
		cfg.Database = path + "?" + passOn.Encode()
	}
	return cfg, nil
}

func parseRemoteDSN(dsn string) (Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return Config{}, errmsg.Wrap(redactURLError(err), "libsql: DSN is not a valid URL")
	}
	if u.Fragment != "" || strings.HasSuffix(dsn, "#") {
		// A '#' in a token or key would silently cut it short.
		return Config{}, errors.New("libsql: DSN holds a '#', which ends a URL; write a # inside a value as %23")
	}
	rawQuery := u.RawQuery
	u.RawQuery = ""
	cfg := Config{URL: u.String()}
	if _, err := cfg.setParams(rawQuery, formURL); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// setParams applies the parameters of a DSN of form f to c and returns
// SQLite's own, to pass on in a file: URI. It reads the query itself
// rather than with url.ParseQuery, which drops a pair it cannot decode (a
// token with a stray % would silently become no token) and keeps every
// repetition. Every name is checked before any value is read, so a
// parameter given twice is reported as such whatever its values.
func (c *Config) setParams(rawQuery string, f dsnForm) (url.Values, error) {
	type setting struct {
		key, value string
		p          *dsnParam
	}
	var settings []setting
	given := map[*dsnParam]string{}
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || strings.Contains(rawKey, ";") {
			// The name is not repeated: it may be a value written without
			// its name.
			return nil, errors.New("libsql: a DSN parameter's name is not valid URL encoding; separate parameters with &, and write %, ; and & inside a name or value as %25, %3B and %26")
		}
		p := dsnParamByName[key]
		if p == nil {
			return nil, unknownDSNParam(key, rawValue, f)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil || strings.Contains(rawValue, ";") {
			return nil, fmt.Errorf("libsql: DSN parameter %s: the value is not valid URL encoding (a %% must start %%XX, and parameters are separated by & only); write %%, ; and & inside a value as %%25, %%3B and %%26", key)
		}
		if !f.accepts(p) {
			return nil, wrongFormDSNParam(key, f)
		}
		if first, ok := given[p]; ok {
			if first == key {
				return nil, fmt.Errorf("libsql: DSN parameter %s is given twice; give it once", key)
			}
			return nil, fmt.Errorf("libsql: DSN parameters %s and %s are two spellings of %s; give one", first, key, p.name)
		}
		given[p] = key
		settings = append(settings, setting{key, value, p})
	}
	passOn := url.Values{}
	for _, s := range settings {
		if s.p.set == nil {
			passOn.Set(s.key, s.value)
			continue
		}
		if err := s.p.set(c, s.value); err != nil {
			if s.p.secret {
				return nil, errmsg.Wrap(err, "libsql: DSN %s", s.key)
			}
			return nil, errmsg.Wrap(err, "libsql: DSN %s=%q", s.key, s.value)
		}
	}
	return passOn, nil
}

// unknownDSNParam explains an unknown parameter: what other drivers mean
// by it and how to say it here, or the nearest known name.
func unknownDSNParam(key, rawValue string, f dsnForm) error {
	switch strings.ToLower(key) {
	case "tls":
		return fmt.Errorf("libsql: unknown DSN parameter %q: here the URL's scheme chooses TLS: libsql:// and https:// use it, http:// does not (for a server on this machine or a private network); remove tls and pick the scheme", key)
	case "_pragma":
		// modernc.org/sqlite's _pragma=name(value): name the parameter
		// that sets it, when there is one. Only a known name is repeated,
		// as the value may be a key.
		name, _, _ := strings.Cut(rawValue, "(")
		name, _, _ = strings.Cut(name, "%28")
		name, _, _ = strings.Cut(name, "=")
		if p := dsnParamByName[strings.ToLower(name)]; p != nil && p.set != nil {
			return fmt.Errorf("libsql: unknown DSN parameter %q: write the pragma as its own parameter, %s=VALUE", key, p.name)
		}
		return fmt.Errorf("libsql: unknown DSN parameter %q: write busy_timeout, journal_mode, synchronous and foreign_keys as parameters of their own (see ParseDSN), and set other pragmas in Config.Pragmas, opening with libsql.New", key)
	}
	if near := nearestDSNParam(key, f); near != "" {
		return fmt.Errorf("libsql: unknown DSN parameter %q; did you mean %s?", key, near)
	}
	if !paramLike(key) {
		// A token or key pasted without its name (or split by an &) is
		// not repeated.
		return errors.New("libsql: the DSN has a parameter with no known name, not repeated here as it may be a value such as a token (see ParseDSN for the names)")
	}
	return fmt.Errorf("libsql: unknown DSN parameter %q (see ParseDSN for the list)", key)
}

// paramLike reports whether key reads as a parameter name: at most 32
// letters, digits and underscores, as every name of dsnParams is.
func paramLike(key string) bool {
	if len(key) > 32 {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// wrongFormDSNParam refuses a parameter of a mode that a DSN of form f
// cannot select.
func wrongFormDSNParam(key string, f dsnForm) error {
	if f == formPath {
		return fmt.Errorf("libsql: DSN parameter %s applies to a remote database or an embedded replica, which a libsql://, https:// or http:// URL names; this DSN is a local path", key)
	}
	return fmt.Errorf("libsql: DSN parameter %s applies to a local file, which a path or file: URI names; this DSN is a URL", key)
}

// nearestDSNParam is the spelling of a parameter that a DSN of form f
// accepts nearest to key, if it is near enough to be a typo: one edit for
// short names, two for longer ones, letter case aside. Ties go to the
// nearest in letter case, then to the main name over an alias, then to the
// first in byte order, so the answer does not follow map order.
func nearestDSNParam(key string, f dsnForm) string {
	limit := 1
	if len(key) >= 6 {
		limit = 2
	}
	type rank struct{ fold, exact, alias int }
	less := func(a, b rank) bool {
		if a.fold != b.fold {
			return a.fold < b.fold
		}
		if a.exact != b.exact {
			return a.exact < b.exact
		}
		return a.alias < b.alias
	}
	best, bestRank := "", rank{fold: limit + 1}
	for name, p := range dsnParamByName {
		if !f.accepts(p) {
			continue
		}
		r := rank{fold: editDistance(strings.ToLower(key), strings.ToLower(name)), exact: editDistance(key, name)}
		if name != p.name {
			r.alias = 1
		}
		if less(r, bestRank) || (r == bestRank && name < best) {
			best, bestRank = name, r
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// redactURLError drops the URL (and so any token in it) from a parse error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func parseMillis(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Millisecond, nil
	}
	return time.ParseDuration(v)
}

func parseSwitch(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "on", "true", "yes":
		return true, nil
	case "0", "off", "false", "no":
		return false, nil
	}
	return false, errors.New("want on or off")
}
