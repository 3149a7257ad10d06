package suite

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type propRow struct {
	ID    uint
	Seed  uint64
	Pos   int
	S     string
	SP    *string
	B     []byte
	I64   int64
	I32   int32
	I8    int8
	U64   uint64
	U16   uint16
	F64   float64
	F32   float32
	Bool  bool
	At    time.Time
	AtPtr *time.Time
}

// Instants the stored form can hold: years 0000 to 9999 in UTC.
var (
	propMinTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	propMaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

func randString(r *rand.Rand) string {
	n := r.IntN(64)
	if r.IntN(10) == 0 {
		n = r.IntN(4096)
	}
	b := make([]byte, n)
	for i := range b {
		switch r.IntN(4) {
		case 0:
			b[i] = byte(r.IntN(256)) // any byte: NUL, invalid UTF-8
		case 1:
			b[i] = "0123456789-: .T+Z"[r.IntN(17)] // date- and number-like text
		default:
			b[i] = byte(' ' + r.IntN(95))
		}
	}
	return string(b)
}

func randFloat(r *rand.Rand) float64 {
	for {
		var f float64
		switch r.IntN(3) {
		case 0:
			f = math.Float64frombits(r.Uint64())
		case 1:
			f = r.NormFloat64() * math.Pow10(r.IntN(40)-20)
		default:
			f = float64(r.Int64N(1<<53)) - 1<<52
		}
		// NaN is refused, ±Inf does not round-trip remotely and -0 reads back
		// as 0 (see Values/Floats).
		if !math.IsNaN(f) && !math.IsInf(f, 0) && !(f == 0 && math.Signbit(f)) {
			return f
		}
	}
}

func randTime(r *rand.Rand) time.Time {
	sec := propMinTime + r.Int64N(propMaxTime-propMinTime)
	zone := time.FixedZone("R", (r.IntN(28*60)-14*60)*60)
	return time.Unix(sec, r.Int64N(1e9)).In(zone)
}

func randRow(r *rand.Rand, seed uint64, pos int) propRow {
	s := randString(r)
	at := randTime(r)
	row := propRow{
		Seed: seed, Pos: pos, S: s, I64: int64(r.Uint64()), I32: int32(r.Uint32()), I8: int8(r.Uint32()),
		U64: r.Uint64N(math.MaxInt64) + 1, U16: uint16(r.Uint32()), F64: randFloat(r), F32: float32(randFloat(r)),
		Bool: r.IntN(2) == 1, At: randTime(r),
	}
	if row.F32 == 0 || math.IsInf(float64(row.F32), 0) {
		// A float64 out of float32's range rounds to ±Inf or -0.
		row.F32 = float32(r.NormFloat64())
	}
	if r.IntN(3) > 0 {
		row.SP = &s
		row.AtPtr = &at
	}
	if r.IntN(4) > 0 {
		row.B = []byte(randString(r))
	}
	return row
}

// testValueProperty writes random values of every kind through GORM and
// reads them back. The seeds are fixed, so a failure names its row.
func testValueProperty(t *testing.T, env Env) {
	db := migrate(t, env, &propRow{})
	const perSeed = 150
	for _, seed := range []uint64{1, 2, 3, 0xC0FFEE} {
		r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
		want := make([]propRow, perSeed)
		for i := range want {
			want[i] = randRow(r, seed, i)
		}
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			return tx.CreateInBatches(&want, 50).Error
		}))
		var got []propRow
		require.NoError(t, db.Where("seed = ?", seed).Order("pos").Find(&got).Error)
		require.Len(t, got, perSeed)
		for i := range want {
			checkPropRow(t, seed, want[i], got[i])
		}
	}
}

func checkPropRow(t *testing.T, seed uint64, w, g propRow) {
	t.Helper()
	at := func(field string, ok bool, want, got any) {
		t.Helper()
		if !ok {
			t.Errorf("seed %#x row %d: %s: wrote %#v, read %#v", seed, w.Pos, field, want, got)
		}
	}
	at("ID", w.ID == g.ID, w.ID, g.ID)
	at("S", w.S == g.S, w.S, g.S)
	at("SP", (w.SP == nil) == (g.SP == nil) && (w.SP == nil || *w.SP == *g.SP), w.SP, g.SP)
	at("B", (w.B == nil) == (g.B == nil) && bytes.Equal(w.B, g.B), w.B, g.B)
	at("I64", w.I64 == g.I64, w.I64, g.I64)
	at("I32", w.I32 == g.I32, w.I32, g.I32)
	at("I8", w.I8 == g.I8, w.I8, g.I8)
	at("U64", w.U64 == g.U64, w.U64, g.U64)
	at("U16", w.U16 == g.U16, w.U16, g.U16)
	at("F64", math.Float64bits(w.F64) == math.Float64bits(g.F64), w.F64, g.F64)
	at("F32", math.Float32bits(w.F32) == math.Float32bits(g.F32), w.F32, g.F32)
	at("Bool", w.Bool == g.Bool, w.Bool, g.Bool)
	at("At", w.At.Equal(g.At), w.At, g.At)
	at("AtPtr", (w.AtPtr == nil) == (g.AtPtr == nil) && (w.AtPtr == nil || w.AtPtr.Equal(*g.AtPtr)), w.AtPtr, g.AtPtr)
}
