package libsql

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorm-libsql/libsql/internal/hrana"
	"gorm.io/gorm/logger"
)

// limits are the Config's network limits, defaults applied by the client.
// A negative connect timeout or reply size is an error.
func (c Config) limits() (hrana.Limits, error) {
	if c.ConnectTimeout < 0 {
		return hrana.Limits{}, fmt.Errorf("libsql: ConnectTimeout %s is negative", c.ConnectTimeout)
	}
	if c.MaxResponseBytes < 0 {
		return hrana.Limits{}, fmt.Errorf("libsql: MaxResponseBytes %d is negative", c.MaxResponseBytes)
	}
	return hrana.Limits{ConnectTimeout: c.ConnectTimeout, RequestTimeout: c.RequestTimeout, MaxResponseBytes: c.MaxResponseBytes}, nil
}

// setNetworkParam reads a network limit from a DSN parameter.
func (c *Config) setNetworkParam(key, v string) error {
	switch key {
	case "connect_timeout", "request_timeout":
		d, err := parseMillis(v)
		if err != nil {
			return fmt.Errorf("libsql: DSN %s=%q: %w", key, v, err)
		}
		if key == "connect_timeout" {
			c.ConnectTimeout = d
		} else {
			c.RequestTimeout = d
		}
	case "max_response_bytes":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("libsql: DSN max_response_bytes=%q: %w", v, err)
		}
		c.MaxResponseBytes = n
	}
	return nil
}

// warnCleartextToken logs, once per Open, that the token would cross the
// network unencrypted: http:// (or ws://) to a host that is not loopback.
func (c Config) warnCleartextToken(log logger.Interface) {
	if c.AuthToken == "" || log == nil {
		return
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "ws" {
		return
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	log.Warn(context.Background(), "libsql: the auth token is sent unencrypted over %s:// to %s; use libsql:// or https:// for a server that is not on this machine", scheme, host)
}
