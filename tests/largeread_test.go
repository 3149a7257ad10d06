//go:build linux

package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/require"
)

// BenchmarkRemoteLargeRead reads 1, 10, 100 and 200 MB of rows (1000
// bytes each) from sqld in a subprocess (bench/cmd/largeread), and
// reports its time, its peak resident memory and how much that grew
// during the read. Rows stream, so the growth stays under 64 MB whatever
// the size. LARGEREAD_MAX_RESPONSE sets MaxResponseBytes (a client that
// holds results whole needs it above the result's size).
//
//	cd tests && go test -run '^$' -bench RemoteLargeRead -benchtime 1x .
func BenchmarkRemoteLargeRead(b *testing.B) {
	srv := sqldtest.Require(b, server)
	bin := filepath.Join(b.TempDir(), "largeread")
	build := exec.Command("go", "build", "-o", bin, "./bench/cmd/largeread")
	build.Stderr = os.Stderr
	require.NoError(b, build.Run())
	maxResponse := os.Getenv("LARGEREAD_MAX_RESPONSE")
	if maxResponse == "" {
		maxResponse = "0"
	}
	for _, mb := range []int{1, 10, 100, 200} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			emptyServer(b)
			db := open(b, remoteConfig(b), nil)
			largeRows(b, db, mb*1000)
			b.ResetTimer()
			var res struct {
				Rows, Bytes      int64
				Seconds          float64
				RSSBefore, RSSHW int64
			}
			for range b.N {
				out, err := exec.Command(bin, "-url", srv.URL, "-token", srv.Token(), "-max-response", maxResponse).Output()
				if ee, ok := err.(*exec.ExitError); ok {
					b.Fatalf("largeread: %s", ee.Stderr)
				}
				require.NoError(b, err)
				require.NoError(b, json.Unmarshal(out, &res))
				require.Equal(b, int64(mb*1000), res.Rows)
			}
			growth := float64(res.RSSHW-res.RSSBefore) / 1024
			b.ReportMetric(res.Seconds, "s/read")
			b.ReportMetric(float64(res.RSSHW)/1024, "peak-RSS-MB")
			b.ReportMetric(growth, "RSS-growth-MB")
			b.Logf("%d MB: %.2fs, peak RSS %.1f MB, growth %.1f MB (MaxResponseBytes %s)", mb, res.Seconds, float64(res.RSSHW)/1024, growth, strconv.Quote(maxResponse))
			if growth >= 64 {
				b.Errorf("reading %d MB of rows grew RSS by %.1f MB, 64 MB at most", mb, growth)
			}
		})
	}
}
