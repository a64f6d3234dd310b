package codebook

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Names of the shipped codebooks, for Builtin.
const (
	// Elevundersokelsen is the ten EUIndeks indices and the bullying
	// index EUIndeks_1398 of Udir's pupil survey, grades 5-10, over the
	// example item set internal/sim answers.
	Elevundersokelsen = "elevundersokelsen"
	// KulturForLaering is the Kultur for læring instrument of seed 001 as
	// a template: 6 respondent groups, 25 areas, 42 factors, 273 items.
	KulturForLaering = "kultur-for-laering"
)

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// BuiltinNames lists the shipped codebooks, sorted. (It cannot be called
// Names: that is the type of a bilingual name.)
func BuiltinNames() []string {
	entries, err := fs.ReadDir(builtinFiles, "builtin")
	if err != nil {
		panic(err) // the embedded directory exists by construction
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Builtin parses the shipped codebook name (one of BuiltinNames). Each call
// returns a fresh codebook the caller may change; its Source is
// "builtin:NAME". The shipped files are checked by the package's tests, so
// an error means an unknown name.
func Builtin(name string) (*Codebook, error) {
	data, err := builtinFiles.ReadFile(path.Join("builtin", name+".yaml"))
	if err != nil || strings.ContainsAny(name, "/.") {
		return nil, fmt.Errorf("finding builtin codebook %q: no such codebook (have %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return Parse("builtin:"+name, data)
}
