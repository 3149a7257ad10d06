package sqldtest

import (
	"net/http"
	"strconv"
)

// Options are the server's optional features.
type Options struct {
	// Namespaces starts sqld with namespaces and its admin API on a second
	// loopback port (AdminURL). Every database is then a namespace, reached
	// through the Host header <namespace>.localhost; the server has no
	// default database.
	Namespaces bool
}

// pickAdminPort chooses the admin API's port when namespaces are on.
func (s *Server) pickAdminPort() error {
	if !s.opts.Namespaces {
		return nil
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.AdminAddr = "127.0.0.1:" + strconv.Itoa(port)
	s.AdminURL = "http://" + s.AdminAddr
	return nil
}

func (s *Server) extraArgs() []string {
	if !s.opts.Namespaces {
		return nil
	}
	return []string{"--enable-namespaces", "--admin-listen-addr", s.AdminAddr}
}

// adminReady reports whether the admin API answers, when there is one.
func (s *Server) adminReady() bool {
	if !s.opts.Namespaces {
		return true
	}
	resp, err := http.Get(s.AdminURL + "/v1/diagnostics")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
