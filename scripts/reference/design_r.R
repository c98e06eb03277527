# Reference designs for `mibg design` from R: clinfun (Simon two-stage,
# admissible designs, exact single-stage) and rpact (survival events and
# patients). Run by scripts/reference/design_generate.sh; writes CSV files
# into the directory given as the first argument.
#
#   Rscript scripts/reference/design_r.R tests/data/design
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
lib <- Sys.getenv("CLINFUN_LIB", unset = NA)
if (is.na(lib)) library(clinfun) else library(clinfun, lib.loc = lib)
library(rpact)

# Simon (1989) Tables 1 and 2 layout: p1 - p0 = 0.20 and 0.15, three (alpha, beta).
grid <- expand.grid(p0 = c(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
                    delta = c(0.20, 0.15),
                    ab = 1:3)
errs <- list(c(0.10, 0.10), c(0.05, 0.20), c(0.05, 0.10))
simon <- NULL
single <- NULL
for (i in seq_len(nrow(grid))) {
  p0 <- grid$p0[i]
  p1 <- round(p0 + grid$delta[i], 2)
  a <- errs[[grid$ab[i]]][1]
  b <- errs[[grid$ab[i]]][2]
  x <- ph2simon(p0, p1, a, b, nmax = 300)
  xo <- x$xopt
  stopifnot(max(xo[, "n"]) < 290)
  simon <- rbind(simon, data.frame(
    p0 = p0, p1 = p1, alpha = a, beta = b, kind = tolower(rownames(xo)),
    r1 = xo[, "r1"], n1 = xo[, "n1"], r = xo[, "r"], n = xo[, "n"],
    en_p0 = sprintf("%.12f", xo[, "EN(p0)"]), pet_p0 = sprintf("%.12f", xo[, "PET(p0)"]),
    q_low = xo[, "qLo"], q_high = xo[, "qHi"]))
  s <- ph2single(p0, p1, a, b, nsoln = 1)
  single <- rbind(single, data.frame(
    p0 = p0, p1 = p1, alpha = a, beta = b, n = s$n[1], r = s$r[1],
    type_i = sprintf("%.12f", s[1, "Type I error"]),
    type_ii = sprintf("%.12f", s[1, "Type II error"])))
}
write.csv(simon, file.path(out, "simon", "clinfun.csv"), row.names = FALSE, quote = FALSE)
write.csv(single, file.path(out, "single-stage", "clinfun.csv"), row.names = FALSE, quote = FALSE)

# Survival: rpact getSampleSizeSurvival, events and subjects (unrounded).
cases <- list(
  list(hr = 0.6, alpha = 0.05, sided = 2, beta = 0.2, k = 1, median2 = 12, a = 24, f = 12),
  list(hr = 0.7, alpha = 0.025, sided = 1, beta = 0.1, k = 2, median2 = 18, a = 30, f = 18),
  list(hr = 0.5, alpha = 0.05, sided = 2, beta = 0.1, k = 1, median2 = 6, a = 12, f = 6),
  list(hr = 0.75, alpha = 0.05, sided = 1, beta = 0.2, k = 3, median2 = 36, a = 36, f = 24),
  list(hr = 1.5, alpha = 0.05, sided = 2, beta = 0.2, k = 1, median2 = 24, a = 24, f = 0),
  list(hr = 0.65, alpha = 0.1, sided = 2, beta = 0.2, k = 0.5, median2 = 10, a = 18, f = 12)
)
surv <- NULL
for (cs in cases) {
  for (t in c("Schoenfeld", "Freedman")) {
    x <- getSampleSizeSurvival(alpha = cs$alpha, beta = cs$beta, sided = cs$sided,
                               hazardRatio = cs$hr, median2 = cs$median2,
                               accrualTime = c(0, cs$a), followUpTime = cs$f,
                               allocationRatioPlanned = cs$k, typeOfComputation = t)
    surv <- rbind(surv, data.frame(
      formula = tolower(t), hazard_ratio = cs$hr, alpha = cs$alpha, sided = cs$sided,
      power = 1 - cs$beta, allocation_ratio = cs$k, median_control = cs$median2,
      accrual = cs$a, follow_up = cs$f,
      events = sprintf("%.12f", x$maxNumberOfEvents),
      patients = sprintf("%.12f", x$maxNumberOfSubjects)))
  }
}
write.csv(surv, file.path(out, "survival", "rpact.csv"), row.names = FALSE, quote = FALSE)
