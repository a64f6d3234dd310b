# Reference fits for package model (skolestat transforms/sbi/model), spec/indicators.md §1.
# Reads pupils.csv (written by hand for the test: 200 pupils, 12 schools of 1 to 38 pupils),
# fits the two estimators with R's own tools and writes r_output.csv in long form:
#   model,quantity,name,value
# Run from this directory: Rscript verify.R   (make verify-r does so, then runs the Go test).
# Needs Debian's r-base-core and r-cran-lme4.
suppressMessages(library(lme4))

d <- read.csv("pupils.csv")
d$school <- factor(d$school, levels = sort(unique(d$school)))
out <- data.frame(model = character(), quantity = character(), name = character(),
                  value = numeric(), stringsAsFactors = FALSE)
put <- function(model, quantity, name, value) {
  out[nrow(out) + seq_along(value), ] <<- list(model, quantity, as.character(name), value)
}

## fixed: lm with a school factor. The school effect of school s is the intercept plus the
## coefficient of its dummy (0 for the reference school), re-centred so that its pupil-weighted
## mean is 0. This uses the dummies' coefficients, not mean_s(y) - mean_s(x)·beta.
fit <- lm(y ~ prior + prior2 + female + immig + school, data = d)
cf <- coef(fit)
stopifnot(!anyNA(cf))
covs <- c("prior", "prior2", "female", "immig")
put("fixed", "beta", covs, cf[covs])
put("fixed", "beta_se", covs, summary(fit)$coefficients[covs, "Std. Error"])
sigma2 <- summary(fit)$sigma^2
put("fixed", "sigma2", "", sigma2)
put("fixed", "df", "", fit$df.residual)
lev <- levels(d$school)
raw <- cf["(Intercept)"] + c(0, cf[paste0("school", lev[-1])])
n <- as.vector(table(d$school)[lev])
eff <- raw - sum(n * raw) / sum(n)
se <- sqrt(sigma2 / n)
put("fixed", "effect", lev, eff)
put("fixed", "se", lev, se)
# Empirical Bayes (Kane & Staiger): var over schools unweighted, n - 1 (R's var).
tau2 <- max(0, var(eff) - mean(se^2))
lambda <- tau2 / (tau2 + se^2)
put("fixed", "eb_tau2", "", tau2)
put("fixed", "shrunk", lev, eff * lambda)

## mixed: lmer by REML, optimiser tolerances tightened so that R's own error is far below 1e-4.
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-3, rhoend = 1e-10, maxfun = 1e5))
m <- lmer(y ~ prior + prior2 + female + immig + (1 | school), data = d, REML = TRUE, control = ctrl)
fe <- fixef(m)
put("mixed", "beta", names(fe), fe)
put("mixed", "beta_se", names(fe), sqrt(diag(as.matrix(vcov(m)))))
put("mixed", "sigma2", "", sigma(m)^2)
put("mixed", "tau2", "", as.data.frame(VarCorr(m))$vcov[1])
put("mixed", "remlcrit", "", REMLcrit(m))
re <- ranef(m, condVar = TRUE)$school
put("mixed", "blup", rownames(re), re[, "(Intercept)"])
put("mixed", "cond_sd", rownames(re), sqrt(attr(re, "postVar")[1, 1, ]))

write.csv(transform(out, value = sprintf("%.17g", value)), "r_output.csv",
          row.names = FALSE, quote = FALSE)
cat(sprintf("wrote r_output.csv: %d rows (R %s, lme4 %s)\n", nrow(out),
            getRversion(), packageVersion("lme4")))
