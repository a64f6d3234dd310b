package sql

import (
	"strings"
	"testing"
)

// TestTablesReplaceThemselves: a step that fills a table runs its
// definition first, and a retried extract step (which runs outside a
// transaction) relies on that definition replacing the table, rows and all.
func TestTablesReplaceThemselves(t *testing.T) {
	names := Names("tables")
	if len(names) == 0 {
		t.Fatal("no table definitions embedded")
	}
	for _, name := range names {
		ddl, err := Table(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ddl, "CREATE OR REPLACE TABLE "+name+" (") {
			t.Errorf("tables/%s.sql does not say CREATE OR REPLACE TABLE %s (", name, name)
		}
	}
}
