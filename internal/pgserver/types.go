package pgserver

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5/pgtype"
)

// column is how one DuckDB result column goes over the wire: the
// PostgreSQL type clients are told, and the conversion of the value
// database/sql scanned into one that type's codec encodes.
type column struct {
	name    string
	oid     uint32
	convert func(any) (any, error)
}

// pgType maps a DuckDB type to the PostgreSQL type a client sees. Numbers,
// text, bytes, dates and times, intervals and UUIDs keep their kind; what
// PostgreSQL has no plain type for (LIST, STRUCT, MAP, UNION, ...) goes as
// JSON text.
func pgType(t duckdb.Type) (uint32, func(any) (any, error)) {
	switch t {
	case duckdb.TYPE_BOOLEAN:
		return pgtype.BoolOID, same
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_UTINYINT:
		return pgtype.Int2OID, toInt(16)
	case duckdb.TYPE_INTEGER, duckdb.TYPE_USMALLINT:
		return pgtype.Int4OID, toInt(32)
	case duckdb.TYPE_BIGINT, duckdb.TYPE_UINTEGER:
		return pgtype.Int8OID, toInt(64)
	case duckdb.TYPE_UBIGINT, duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT, duckdb.TYPE_DECIMAL, duckdb.TYPE_BIGNUM:
		return pgtype.NumericOID, toNumeric
	case duckdb.TYPE_FLOAT:
		return pgtype.Float4OID, same
	case duckdb.TYPE_DOUBLE:
		return pgtype.Float8OID, same
	case duckdb.TYPE_VARCHAR, duckdb.TYPE_ENUM:
		return pgtype.TextOID, toText
	case duckdb.TYPE_BLOB:
		return pgtype.ByteaOID, same
	case duckdb.TYPE_DATE:
		return pgtype.DateOID, same
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_S, duckdb.TYPE_TIMESTAMP_MS, duckdb.TYPE_TIMESTAMP_NS:
		return pgtype.TimestampOID, same
	case duckdb.TYPE_TIMESTAMP_TZ:
		return pgtype.TimestamptzOID, same
	case duckdb.TYPE_TIME, duckdb.TYPE_TIME_TZ:
		return pgtype.TextOID, toClock
	case duckdb.TYPE_INTERVAL:
		return pgtype.IntervalOID, toInterval
	case duckdb.TYPE_UUID:
		return pgtype.TextOID, toUUID
	default:
		return pgtype.TextOID, toJSONText
	}
}

func same(v any) (any, error) { return v, nil }

func toInt(bits int) func(any) (any, error) {
	return func(v any) (any, error) {
		var n int64
		switch x := v.(type) {
		case int8:
			n = int64(x)
		case int16:
			n = int64(x)
		case int32:
			n = int64(x)
		case int64:
			n = x
		case uint8:
			n = int64(x)
		case uint16:
			n = int64(x)
		case uint32:
			n = int64(x)
		default:
			return nil, fmt.Errorf("an integer column gave %T", v)
		}
		switch bits {
		case 16:
			return int16(n), nil
		case 32:
			return int32(n), nil
		}
		return n, nil
	}
}

func toNumeric(v any) (any, error) {
	switch x := v.(type) {
	case duckdb.Decimal:
		return pgtype.Numeric{Int: x.Value, Exp: -int32(x.Scale), Valid: true}, nil
	case *big.Int:
		return pgtype.Numeric{Int: x, Valid: true}, nil
	case uint64:
		return pgtype.Numeric{Int: new(big.Int).SetUint64(x), Valid: true}, nil
	case int64:
		return pgtype.Numeric{Int: big.NewInt(x), Valid: true}, nil
	case float64:
		return x, nil
	}
	return nil, fmt.Errorf("a numeric column gave %T", v)
}

func toText(v any) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return fmt.Sprint(v), nil
}

func toClock(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		return t.Format("15:04:05.999999"), nil
	}
	return fmt.Sprint(v), nil
}

func toInterval(v any) (any, error) {
	if x, ok := v.(duckdb.Interval); ok {
		return pgtype.Interval{Months: x.Months, Days: x.Days, Microseconds: x.Micros, Valid: true}, nil
	}
	return nil, fmt.Errorf("an interval column gave %T", v)
}

func toUUID(v any) (any, error) {
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = x
	case duckdb.UUID:
		b = x[:]
	case *duckdb.UUID:
		b = x[:]
	case string:
		return x, nil
	}
	if len(b) != 16 {
		return fmt.Sprint(v), nil
	}
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// toJSONText renders nested values (lists, structs, maps) as JSON.
func toJSONText(v any) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), nil
	}
	return string(b), nil
}
