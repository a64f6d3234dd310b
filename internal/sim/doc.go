// Package sim simulates a Norwegian nation's pupil microdata from a known
// model, so that the whole product can run offline and every statistic can
// be checked against the truth. `skolestat sim generate` and `skolestat demo`
// call Generate; tests of later issues read truth/ to check their estimates.
//
// # What it writes
//
// Into Options.Out: the tables of shared/spec/microdata.md (schools, pupils,
// enrolments, national_tests, grades, survey_responses) with the columns,
// order and canonical Arrow types of connectors/microdata (Table.Schema), as
// Parquet (snappy, one row group per 128Ki rows; strings dictionary-encoded
// where they repeat, int32 columns delta-encoded) or as CSV (UTF-8, header,
// ',' separator, empty field for null); truth/ (school_effects,
// school_effects_window and survey_school_effects as Parquet, model.json);
// and nation.json (counties, municipalities, counts, the model). Every file
// is written under a temporary name and renamed. The same Options give
// byte-identical files: every random draw comes from a PCG stream seeded by
// (seed, purpose, entity), never from time, map order or scheduling; each
// table is written by one goroutine in a fixed row order.
//
// # The nation
//
// The 15 counties of 2024 and their 357 municipalities: the twelve ASSS
// members with their real codes, names and approximate pupil shares (Oslo
// 10 %, Bergen 4.5 %, ...), the others with synthetic names made of word
// parts and lognormal shares of what is left of their county. Schools, at
// scale 1.0: combined 1-10 schools (about 14 pupils a cohort each) in the
// municipalities under 40 pupils a cohort; elsewhere barneskoler (1-7, about
// 36 a cohort, lognormal catchments) each feeding one ungdomsskole (8-10,
// about 100 a cohort), a few combined schools in medium municipalities, and
// private schools (1-10 or 8-10, public=false) mostly in municipalities over
// 120 pupils a cohort: about 2,870 schools, 9 % private, 9 to ~800 pupils.
// At smaller scales the municipalities stay and the school counts shrink
// with the scale (the same rules on the scaled cohort size), with at least
// one public school per municipality covering 1-7 and one covering 8-10
// (possibly one combined school). Organisation numbers are nine digits with
// the mod-11 check digit, unique; school names are unique within a
// municipality.
//
// # Pupils
//
// Every cohort in grades 1-10 during FirstYear..LastYear, about 60,000 x
// Scale a cohort (growing 0.4 % a year). Background: gender 50/50;
// immigrant background (12 % immigrant, 7 % Norwegian-born to immigrants
// nationally, more in large municipalities); a socio-economic latent =
// municipality shift + school shift (segregation) + noise, cut into parental
// education (about 8/31/34/22 % of the known; unknown 3 %, 18 % for
// immigrants) and driving a lognormal household income (3 % unknown).
// Careers: a catchment school, moves within the municipality (3 % a year)
// and to others (2 %), private schools chosen at grade 1 or 8 (more by homes
// with higher education), the change to the ungdomsskole the barneskole
// feeds at grade 8; 30 % of immigrants arrive after grade 1 (no earlier rows);
// 0.4 % a year leave the country. No retention: grade = school year - entry
// year + 1.
//
// # Outcomes (the data-generating process)
//
// Model (written to truth/model.json) holds every parameter. Notation: bg_k
// is the background effect on outcome k (Model.Background[k]: intercept +
// girl + immigrant category + parental education + IncomeDecile x (decile-1)
// or IncomeUnknown), where decile is the household income decile ranked, as
// the SBI estimator ranks it, within the outcome's SBI sample (below) with
// RANK() ties, and within the birth cohort for pupils outside the sample;
// u_l(s, Y) is the effect of school s at level l on the cohort finishing the
// level in spring Y; N(.) are independent normal draws.
//
//   - School effects: per school and level it teaches, an AR(1) over spring
//     years FirstYear..LastYear+1, u[Y] = rho u[Y-1] + sqrt(1-rho²) tau_l
//     w[Y], started stationary, innovations w correlated LevelCorr across a
//     school's levels; 0 for a level the school does not teach.
//   - Grade 5 (school year Y, level 1-4, cohort Y): eta = bg_0 +
//     Ability5 a + u_{1-4}(s4, Y), a ~ N(0,1) independent of school and
//     background, s4
//     the school of grade 4 in Y-1. Per subject: exempt (TestExempt;
//     TestExemptNew for pupils who arrived in grade 4 or 5), absent
//     (TestAbsent), or score = round(50 + 10 (eta + N(0, SubjectNoise²)), 1).
//   - Grade 8 (Y, level 5-7, cohort Y): prior5 = the pupil's mean z over the
//     grade-5 tests of Y-3 in the data, z = (score - mean) / sd within school
//     year, grade and subject over all participants, sd with n-1: exactly the
//     SBI prior. eta = bg_1 + Prior8[0] prior5 + Prior8[1] prior5² + u_{5-7}(s7,
//     Y) + N(0, Noise8²); without a prior (exempt, absent, arrived later, or
//     grade 5 before FirstYear) eta = bg_1 + Prior8[2] + u + N(0,
//     Noise8Miss²). Scores as grade 5. Grade 9 (reading, numeracy): (eta +
//     N(0, Growth9²)) / sqrt(1 + Growth9²) in place of eta.
//   - Grade 10 (school year Y-1, level 8-10, cohort Y): prior8 likewise from
//     the grade-8 tests of Y-3; m_i = bg_2 + Prior10[0] prior8 + Prior10[1]
//     prior8² (noise sd_i = Noise10), or bg_2 + Prior10[2] without a prior
//     (sd_i = Noise10Miss); eta = m_i + u_{8-10}(s10, Y) + N(0, sd_i²), s10
//     the grade-10 school. Standpunkt per subject = cut(eta + offset +
//     N(0, StandpunktNoise²), StandpunktCuts); one written exam in a subject
//     drawn from norsk, matematikk, engelsk = cut(eta + N(0, ExamNoise²),
//     ExamCuts); one oral exam = cut(eta + N(0, OralNoise²), OralCuts); no
//     exams in CancelledExams (2019-2021). cut(x, c) = 1 + #{c_j < x}. Any
//     grade is F (GradeF; GradeFNew for pupils who arrived in grade 8 or
//     later) or IV (GradeIV) instead; valgfag is D before ValgfagNumeric.
//     Subject codes: LK06 until school year LK20From-1, LK20 from it.
//
// The SBI sample of an outcome (shared/spec/indicators.md §1): the pupils
// enrolled in the attribution grade (4, 7, 10) in school year Y-1, with
// Y-1 >= FirstYear, and with an outcome (a grade-5 or grade-8 score, a
// numeric written exam grade).
//
// # Truth
//
// truth/school_effects.parquet has one row per school, level and spring year
// Y whose attribution year Y-1 and outcome lie in the years written (8-10:
// exams held) and whose sample at the school is not empty: effect_latent =
// u_l(s, Y); n_pupils = the school's sample; effect_z = the true effect in
// units of the SBI outcome, the mean over the school's sample of
//
//   - levels 1-4 and 5-7: u x 10 x mean over the subjects the pupil has a
//     score in of 1/sd(Y, grade, subject), sd the realised sample SD of the
//     scores the standardisation uses (the outcome's derivative in u; the
//     rounding of scores to 0.1 is ignored);
//   - level 8-10: (E[g | m_i + u] - E[g | m_i]) / sd(Y-1, exam subject),
//     where E[g | x] = 1 + sum_j Phi((x - ExamCuts_j) / sqrt(sd_i² +
//     ExamNoise²)) and sd is the realised sample SD of the numeric written
//     exam grades of the school year and subject.
//
// effect_z is not centred: the estimator's effects are centred so that
// their pupil-weighted mean is 0, so compare after centring the truth with
// the same weights. truth/school_effects_window.parquet has, for every pair
// of consecutive spring years Y, Y+1 the data support (as above, both), one
// row per school with a sample in either, labelled "Y+Y+1" (say
// "2018+2019"): effect_z = the pupil-weighted mean of the two cohorts'
// effect_z, n_pupils their sum.
//
// # Survey
//
// survey_responses: every school year (Options.SurveyYears may limit it),
// one respondent per pupil enrolled in grade 7 or 10 who takes part (93 %),
// with an id that changes every year and cannot be linked to pupil_id
// without the seed, a class of at most 28 formed in pupil order within the
// school and grade, gender (1 % missing), and one row per item of Items
// (ten indices EUIndeks_1378..1387 of five items, one or two reverse-keyed;
// the three bullying items; seven standalone items): answer 1-5 or null
// (3 % unanswered). Model.Survey gives the latents and cuts; the school
// effects v per index and on bullying (index code EUIndeks_1398, higher =
// more bullying) are in truth/survey_school_effects.parquet.
package sim
