// Package sim simulates a Norwegian nation's pupil microdata from a known
// model, so that the whole product can run offline and every statistic can
// be checked against the truth. `skolestat sim generate` calls Generate.
//
// # What it writes
//
// The tables of shared/spec/microdata.md (schools, pupils, enrolments,
// national_tests, grades, survey_responses) as Parquet (snappy, row groups of
// 128Ki rows, the canonical Arrow types of connectors/microdata) or CSV;
// truth/ (school_effects, school_effects_window, survey_school_effects as
// Parquet, model.json); and nation.json (counties, municipalities, model).
// Files are written to a temporary name and renamed. The same Options give
// byte-identical files: every random draw comes from a PCG stream seeded by
// (seed, purpose, entity), never from time, map order or scheduling.
//
// # The nation
//
// The 15 counties of 2024 and their 357 municipalities: the twelve ASSS
// members with their real codes, names and approximate pupil shares, the
// others with synthetic names and lognormal shares of what is left of their
// county. Schools: combined 1-10 schools in municipalities under 40 pupils a
// cohort; barneskoler (1-7) feeding ungdomsskoler (8-10) elsewhere, with a few
// combined rural schools in medium municipalities; private schools (1-10 or
// 8-10) mostly in larger municipalities. About 2,870 schools at scale 1.0;
// at smaller scales the counts shrink with the scale, with at least one school
// per municipality covering all grades.
//
// # Pupils
//
// Every cohort in grades 1-10 in FirstYear..LastYear, about 60,000 x Scale a
// cohort. Background: gender; immigrant background (more in large
// municipalities); a socio-economic latent = municipality shift + school shift
// (segregation) + noise, cut into parental education (unknown more often for
// immigrants) and driving a lognormal household income (3 % unknown); the
// income decile is ranked within the birth cohort. Careers: a catchment
// school, moves within the municipality (3 % a year) and to others (2 %),
// private schools chosen at grade 1 or 8 (more by educated homes), the change
// to the ungdomsskole at grade 8; 30 % of immigrants arrive after grade 1; a
// few leave the country. The five years before FirstYear are simulated but
// not written, so the first years written have priors.
//
// # Outcomes (the data-generating process)
//
// Let bg_k(i) be the background effect on outcome k (Model.Background[k]:
// intercept, gender, immigrant background, parental education, (decile-1) or
// unknown income), u_l(s, Y) the effect of school s at level l on the cohort
// finishing the level in spring Y, and N(.) independent normal noise.
//
//   - School effects: per school and level taught, an AR(1) over spring years,
//     u[Y] = rho u[Y-1] + sqrt(1-rho²) tau_l w[Y], with innovations correlated
//     across levels (share LevelCorr), started stationary.
//   - Grade 5 (school year Y): eta5 = bg_0 + Ability5 a_i + u_{1-4}(s4, Y), a_i
//     ~ N(0,1) independent of school, s4 the school of grade 4 in Y-1. Score
//     per subject = round(50 + 10 (eta5 + N(0, SubjectNoise²)), 1), unless
//     exempt (3 %, half of newly arrived) or absent (2 %).
//   - Grade 8 (Y): prior5 = the pupil's mean z over the grade-5 tests of Y-3
//     (z within year, grade and subject, sample SD), as the SBI defines it.
//     eta8 = bg_1 + b1 prior5 + b2 prior5² + u_{5-7}(s7, Y) + N(0, Noise8²),
//     or bg_1 + b_miss + u + N(0, Noise8Miss²) without a prior; scores as
//     above. Grade 9 (reading, numeracy): eta8 + N(0, Growth9²), rescaled.
//   - Grade 10 (school year Y, spring Y+1): prior8 from the grade-8 tests of
//     Y-2 likewise; m_i = bg_2 + d1 prior8 + d2 prior8² (or d_miss);
//     eta10 = m_i + u_{8-10}(s10, Y+1) + N(0, Noise10²). Standpunkt per
//     subject = cut(eta10 + offset + N(0, StandpunktNoise²)); one written exam
//     (norsk, matematikk or engelsk) = cut(eta10 + N(0, ExamNoise²), ExamCuts)
//     and one oral exam, except in 2019-2021 (cancelled). Grades are IV
//     (0.5 %) or F (0.3 %; 55 % of subjects for pupils arrived in grade 8 or
//     later); valgfag is D before 2016.
//
// # Truth
//
// effect_z is the true effect in units of the SBI outcome, over the pupils
// the SBI rule attributes to the school (enrolled in the attribution grade in
// Y-1, with an outcome). Levels 1-4 and 5-7: for pupil i,
// u x 10 x mean over the subjects i took of 1/sd(year, grade, subject), sd
// the realised SD of the standardisation, averaged over the pupils. Level
// 8-10: (E[grade | m_i + u] - E[grade | m_i]) / sd(year, exam subject), the
// expectation over N(0, Noise10² + ExamNoise²) with the exam cuts, averaged
// likewise. Windows pool two consecutive cohorts, weighted by pupils.
//
// Survey answers (grades 7 and 10, the last SurveyYears years, 93 %
// participation): per respondent a general trait g, per index latent
// 0.6 g + 0.8 N(0,1) + v(s, index), items cut into 1-5 (reverse-keyed items
// flipped), bullying items from their own latent; 3 % unanswered. v is in
// truth/survey_school_effects.
package sim
