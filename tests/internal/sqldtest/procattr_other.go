//go:build !linux

package sqldtest

import "syscall"

// procAttr has nothing to add outside Linux, which alone can tie sqld's
// life to the test binary's; Close stops the server.
func procAttr() *syscall.SysProcAttr { return nil }
