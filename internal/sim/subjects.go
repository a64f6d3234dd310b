package sim

// subject is a subject on the grade-10 diploma.
type subject struct {
	code   string
	offset float64 // shift of the standpunkt latent (practical subjects are graded higher)
}

// diploma is the set of subjects of a curriculum.
type diploma struct {
	common  []subject // every pupil
	choice  []subject // one of: foreign language or its alternatives
	valgfag subject
	written []int // written exam subjects (one drawn per pupil), indexes into common
	oral    []int // oral exam subjects (one drawn per pupil), indexes into common

	// Indexes into subjectCodes, set when subjectCodes is built.
	commonIdx, choiceIdx []int
	valgfagIdx           int
}

// lk06 is the curriculum of grade 10 until school year 2020; lk20 from 2021.
var lk06 = diploma{
	common: []subject{
		{"NOR0214", -0.1}, {"NOR0215", -0.2}, {"NOR0216", 0.1}, {"MAT0010", -0.25}, {"ENG0012", 0},
		{"ENG0013", 0.1}, {"NAT0010", -0.05}, {"SAF0010", 0}, {"KRL0010", 0.05}, {"KHV0010", 0.2},
		{"MHE0010", 0.25}, {"MUS0010", 0.3}, {"KRO0010", 0.3},
	},
	choice:  []subject{{"SPR3011", 0}, {"SPR3021", 0.05}, {"SPR3031", 0.05}, {"ENG0015", 0}, {"NOR0217", 0}, {"ARB0001", 0.2}},
	valgfag: subject{"VAL0001", 0.35},
	written: []int{0, 3, 4},          // NOR0214, MAT0010, ENG0012
	oral:    []int{2, 5, 3, 6, 7, 8}, // NOR0216, ENG0013, MAT0010, NAT0010, SAF0010, KRL0010
}

var lk20 = diploma{
	common: []subject{
		{"NOR0218", -0.1}, {"NOR0219", -0.2}, {"NOR0220", 0.1}, {"MAT0015", -0.25}, {"ENG0030", 0},
		{"ENG0031", 0.1}, {"NAT0015", -0.05}, {"SAF0015", 0}, {"KRL0015", 0.05}, {"KHV0015", 0.2},
		{"MHE0015", 0.25}, {"MUS0015", 0.3}, {"KRO0020", 0.3},
	},
	choice:  []subject{{"SPR3101", 0}, {"SPR3102", 0.05}, {"SPR3103", 0.05}, {"ENG0035", 0}, {"NOR0225", 0}, {"ARB0015", 0.2}},
	valgfag: subject{"VAL0015", 0.35},
	written: []int{0, 3, 4},          // NOR0218, MAT0015, ENG0030
	oral:    []int{2, 5, 3, 6, 7, 8}, // NOR0220, ENG0031, MAT0015, NAT0015, SAF0015, KRL0015
}

// curriculum returns the grade-10 curriculum of a school year.
func curriculum(schoolYear int, m *Model) *diploma {
	if schoolYear >= m.LK20From {
		return &lk20
	}
	return &lk06
}

// subjectCodes are the codes of every subject of both curricula: the
// vocabulary of grades.subject_code.
var subjectCodes = func() []string {
	var codes []string
	add := func(s subject) int {
		codes = append(codes, s.code)
		return len(codes) - 1
	}
	for _, d := range []*diploma{&lk06, &lk20} {
		for _, s := range d.common {
			d.commonIdx = append(d.commonIdx, add(s))
		}
		for _, s := range d.choice {
			d.choiceIdx = append(d.choiceIdx, add(s))
		}
		d.valgfagIdx = add(d.valgfag)
	}
	return codes
}()
