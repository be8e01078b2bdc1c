/* The pdeop program: `pdeop <command> [options]`. Dispatches to one file per subcommand, runs it
   under PETSc's options database, writes -report FILE.json, and turns errors into one message. */
#include "cli.h"
#include <pdeop/train.h>
#include <errno.h>
#include <sys/stat.h>
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/* solve's and data's problems come from PdProblem's registry (ReadRegistry) */
static char solve_problems[256] = "", solve_summary[320] = "", data_problems[256] = "";

static const PdCommand commands[] = {
  {"solve", PdCommandSolve, solve_problems, solve_summary},
  {"data", PdCommandData, data_problems, "generate a dataset of PDE solutions (darcy, ns) or antiderivatives"},
  {"train", PdCommandTrain, NULL, "train a neural operator (-model fno|deeponet|mgno|mlp) on an HDF5 dataset"},
  {"eval", PdCommandEval, NULL, "relative L2 error of a trained model on a dataset"},
  {"predict", PdCommandPredict, NULL, "a trained model's outputs for the inputs of a dataset (-png to look)"},
  {"precond", PdCommandPrecond, "train bench", "learned preconditioners: train on a family of systems, compare with PETSc's"},
  {"fit", PdCommandFit, NULL, "train an MLP on an HDF5 dataset of inputs/outputs rows (-demo: a built-in example)"},
  {"pinn", PdCommandPinn, NULL, "physics-informed MLP for high-dimensional PDEs (Poisson, Allen-Cahn, Sine-Gordon) with STDE"},
};
static const int ncommands = (int)(sizeof(commands) / sizeof(commands[0]));

static char current[160] = "pdeop"; /* the command and its subcommand, for messages */
/* every options file read (real paths): inputs no output may overwrite (CheckFiles) */
#define PD_MAX_OPTIONS_FILES 64
static char optfiles[PD_MAX_OPTIONS_FILES][PATH_MAX];
static int  noptfiles;

/* On several ranks, an error raised on one rank's own communicator is kept here, not printed at once:
   when every rank fails, ExitAfterError prints each distinct message once. */
#define PD_PENDING_LEN 512
static char     pending[PD_PENDING_LEN];
static MPI_Comm exitcomm = MPI_COMM_NULL; /* a duplicate of PETSC_COMM_WORLD, used only to end an error */

/* The problem types `pdeop solve` takes as subcommands: PdProblem's registry without `system`
   (chosen by -f); `pdeop data`'s: the types with a dataset recipe, and ns (ns-periodic's name in
   data since the first release). PETSc must be running; without it (the usage before the command starts), PETSc is
   started without the command line just to read the registry. */
static PetscErrorCode ReadRegistry(void)
{
  PetscInt           n;
  const char *const *names, *const *usages;
  char      list[256] = "";
  PetscBool init;

  PetscFunctionBegin;
  PetscCall(PetscInitialized(&init));
  if (!init) {
    PetscCall(PetscInitializeNoArguments());
    PetscCall(PdRegisterAll());
  }
  PetscCall(PdProblemGetTypes(&n, &names, &usages));
  solve_problems[0] = 0;
  for (PetscInt k = 0; k < n; k++) {
    if (!strcmp(names[k], PDPROBLEMSYSTEM) || !usages[k]) continue; /* -f; and types solve does not offer */
    if (list[0]) PetscCall(PetscStrlcat(list, ", ", sizeof(list)));
    if (solve_problems[0]) PetscCall(PetscStrlcat(solve_problems, " ", sizeof(solve_problems)));
    PetscCall(PetscStrlcat(list, names[k], sizeof(list)));
    PetscCall(PetscStrlcat(solve_problems, names[k], sizeof(solve_problems)));
  }
  snprintf(solve_summary, sizeof(solve_summary), "solve a PDE (%s) or a PETSc binary system (-f file)", list);
  PetscCall(PdProblemGetDataTypes(data_problems, sizeof(data_problems)));
  for (char *c = data_problems; *c; c++)
    if (*c == ',') memmove(c, c + 1, strlen(c)); /* "a, b" -> "a b" */
  PetscCall(PetscStrlcat(data_problems, " ns", sizeof(data_problems)));
  if (!init) PetscCall(PetscFinalize());
  PetscFunctionReturn(0);
}

static void Usage(FILE *f)
{
  if (ReadRegistry()) fprintf(f, "pdeop: cannot start PETSc to list the problems\n");
  fprintf(f, "pdeop %d.%d: PDE solving and operator learning on PETSc\n\n", PDEOP_VERSION_MAJOR, PDEOP_VERSION_MINOR);
  fprintf(f, "usage: pdeop <command> [options]\n\ncommands:\n");
  for (int i = 0; i < ncommands; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "  %-8s %s\n\n", "help", "this list");
  for (int i = 0; i < ncommands; i++)
    if (commands[i].subcommands) fprintf(f, "  pdeop %s <%s> [options]\n", commands[i].name, commands[i].subcommands);
  fprintf(f, "\nEvery command takes PETSc options (-help, -options_file F, -log_view), -report FILE.json\n"
             "(results as a flat JSON object) and -quiet (no progress output).\n"
             "`pdeop <command> -help` lists a command's options.\n");
}

/* One clear message for the user: the first error's text, not PETSc's traceback (-traceback shows it). */
static PetscErrorCode CliErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL) {
    PetscMPIInt size = 1, rank = 0;
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    PetscMPIInt csize = 1, crank = 0;
    if (comm != MPI_COMM_NULL) {
      MPI_Comm_size(comm, &csize);
      MPI_Comm_rank(comm, &crank);
    }
    /* an error on a communicator of several ranks is raised by each of them: say it once */
    if (csize > 1 && crank > 0) return n;
    if (n == PETSC_ERR_MEM || (fun && !strcmp(fun, "PetscMallocAlign"))) { /* PETSc's message is only the caller's name */
      PetscLogDouble rss = 0;
      PetscMemoryGetCurrentUsage(&rss);
      fprintf(stderr, "pdeop %s: error: out of memory in %s (the process held %.0f MB when an allocation failed); make the problem smaller (grid, samples, batch size, model width) or spread it over more MPI ranks\n", current, mess && mess[0] && mess[0] != ' ' ? mess : (fun ? fun : "an allocation"), rss / 1048576.0);
      fflush(stderr);
      return n;
    }
    if (size > 1 && csize == 1) snprintf(pending, sizeof(pending), "%s", mess ? mess : "unknown error");
    else fprintf(stderr, "pdeop %s: error: %s\n", current, mess ? mess : "unknown error");
    fflush(stderr);
  }
  return n;
}

/* The file options of each command: inputs, then outputs (space-separated; a leading '*' matches any
   options prefix, as -pressure_pc_learned_model). -report is every command's output. Checked once,
   here, before any command starts its work: no output is an input or another output, and a file
   option has a value. A -resume checkpoint may be the -o file: it is read before the new one is
   written (to a temporary name). Names a command derives are checked too: the curve PNG of a -log
   (PdTrainerCurveName: x.csv or x -> x.png), and precond train's log next to its -o model
   (model.csv, model.png). */
static const struct {
  const char *command, *inputs, *outputs;
} file_options[] = {
  {"solve", "-f -darcy_coefficient_file -mesh *pc_learned_model *ksp_dcdm_model *ksp_guess_nop_model", "-o -vtk -png -ghia_png -log -o_system *pc_learned_collect"},
  {"data", "", "-o"},
  {"train", "-data -test -resume -init", "-o -log -curve_png"},
  {"eval", "-data -model", ""},
  {"predict", "-data -model -points", "-o -png"},
  {"precond", "-f -model -sor_model -dcdm_model *pc_learned_model *ksp_guess_nop_model", "-o -log"},
  {"fit", "-data -test -resume", "-o -log -curve_png -demo_save"},
  {"pinn", "-mesh -resume", "-o -log -png -vtk -fields -save_points"},
};

/* whether option name (without its dash) is one of the space-separated list */
static PetscBool Listed(const char *list, const char *name)
{
  char        word[64];
  const char *p = list;

  while (*p) {
    size_t n = strcspn(p, " ");
    if (n && n < sizeof(word)) {
      memcpy(word, p, n);
      word[n] = 0;
      if (word[0] == '*') { /* any prefix: the name ends with the word after '*' */
        size_t ln = strlen(name), lw = strlen(word + 1);
        if (ln >= lw && !strcmp(name + ln - lw, word + 1)) return PETSC_TRUE;
      } else if (!strcmp(word + 1, name)) return PETSC_TRUE;
    }
    p += n;
    while (*p == ' ') p++;
  }
  return PETSC_FALSE;
}

static PetscErrorCode FreeLists(PetscInt n, char ***lists)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n && *lists; i++) PetscCall(PetscFree((*lists)[i]));
  PetscCall(PetscFree(*lists));
  PetscFunctionReturn(0);
}

/* Every file option given on the command line, classified by the command's table, to PdFilesCheck. */
static PetscErrorCode CheckFiles(const PdCommand *cmd, const char report[])
{
  PetscInt    N, nin = 0, nout = 0, extra = 0, nlists = 0;
  char      **names, **values, **lists = NULL; /* lists: copies of -f a,b split at the commas */
  PdFileArg  *in, *out;
  const char *inputs = "", *outputs = "";
  char(*opt)[PETSC_MAX_PATH_LEN + 8]; /* option names, and the names derived from -log and -o */

  PetscFunctionBegin;
  for (size_t k = 0; k < sizeof(file_options) / sizeof(file_options[0]); k++)
    if (!strcmp(file_options[k].command, cmd->name)) inputs = file_options[k].inputs, outputs = file_options[k].outputs;
  PetscCall(PetscOptionsLeftGet(NULL, &N, &names, &values)); /* before the command reads anything: all options */
  for (PetscInt k = 0; k < N; k++)                           /* -f a,b,c: each file of the list is an input */
    if (!strcmp(names[k], "f") && values[k] && Listed(inputs, names[k]))
      for (const char *c = values[k]; *c; c++) extra += *c == ',';
  PetscCall(PetscMalloc3(N + 3 + extra + noptfiles, &in, N + 3, &out, 2 * N + 3, &opt));
  for (int k = 0; k < noptfiles; k++) in[nin].option = "-options_file", in[nin++].path = optfiles[k]; /* read already: no output may replace one */
  if (extra) PetscCall(PetscMalloc1(N, &lists));
  for (PetscInt k = 0; k < N; k++) {
    PetscBool isin = Listed(inputs, names[k]), isout = Listed(outputs, names[k]);
    if (!isin && !isout) continue;
    if ((!values[k] || !values[k][0]) && !strcmp(names[k], "curve_png")) continue; /* -curve_png "": no picture */
    if (!values[k] || !values[k][0]) {
      char name[72];
      PetscCall(PetscSNPrintf(name, sizeof(name), "-%s", names[k]));
      PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
      PetscCall(FreeLists(nlists, &lists));
      PetscCall(PetscFree3(in, out, opt));
      SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s needs a file name", name);
    }
    PetscCall(PetscSNPrintf(opt[k], sizeof(opt[k]), "-%s", names[k]));
    if (!strcmp(names[k], "resume")) { /* -resume may be the -o file, nothing else that is written */
      PetscBool same = PETSC_FALSE;
      for (PetscInt j = 0; j < N; j++) /* the same file, however its path is spelled */
        if (!strcmp(names[j], "o") && values[j] && values[j][0]) PetscCall(PdFilesSame(PETSC_COMM_WORLD, values[j], values[k], &same));
      if (same) continue;
    }
    if (isin && lists && strchr(values[k], ',')) { /* split a copy at the commas */
      PetscCall(PetscStrallocpy(values[k], &lists[nlists]));
      for (char *tok = lists[nlists], *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = 0;
        if (tok[0]) in[nin].option = opt[k], in[nin++].path = tok;
      }
      nlists++;
    } else if (isin) in[nin].option = opt[k], in[nin++].path = values[k];
    else out[nout].option = opt[k], out[nout++].path = values[k];
  }
  /* derived names: the training curve of a -log (train, fit: unless -curve_png; precond train) */
  for (PetscInt k = 0; k < N; k++)
    if (!strcmp(names[k], "log") && values[k] && values[k][0] && (!strcmp(cmd->name, "train") || !strcmp(cmd->name, "fit") || !strcmp(cmd->name, "precond"))) {
      PetscBool curve = PETSC_FALSE;
      for (PetscInt j = 0; j < N; j++) curve = (PetscBool)(curve || !strcmp(names[j], "curve_png"));
      if (curve && strcmp(cmd->name, "precond")) continue;
      PetscCall(PdTrainerCurveName(values[k], opt[N + 0], sizeof(opt[N + 0])));
      out[nout].option = "-log's curve", out[nout++].path = opt[N + 0];
    }
  if (!strcmp(cmd->name, "precond")) { /* precond train's default log and curve: the model's name with .csv, .png */
    PetscBool haslog = PETSC_FALSE;
    for (PetscInt k = 0; k < N; k++) haslog = (PetscBool)(haslog || !strcmp(names[k], "log"));
    for (PetscInt k = 0; k < N && !haslog; k++)
      if (!strcmp(names[k], "o") && values[k]) {
        const char *dot = strrchr(values[k], '.'), *slash = strrchr(values[k], '/');
        int         stem = (int)(dot && (!slash || dot > slash) ? dot - values[k] : (ptrdiff_t)strlen(values[k]));
        PetscCall(PetscSNPrintf(opt[N + 1], sizeof(opt[N + 1]), "%.*s.csv", stem, values[k]));
        PetscCall(PetscSNPrintf(opt[N + 2], sizeof(opt[N + 2]), "%.*s.png", stem, values[k]));
        out[nout].option = "-o's log", out[nout++].path = opt[N + 1];
        out[nout].option = "-o's curve", out[nout++].path = opt[N + 2];
      }
  }
  if (report[0]) out[nout].option = "-report", out[nout++].path = report;
  PetscCall(PdFilesCheck(PETSC_COMM_WORLD, nin, in, nout, out));
  /* PETSc's viewers ([type]:file[:format[:mode]] after -ksp_monitor, -log_view, -ksp_view_rhs, ...)
     write files too: none may be an input or one of pdeop's outputs (two viewers may share a file:
     -ksp_view_mat binary:f -ksp_view_rhs binary:f::append is how a system is saved) */
  for (PetscInt k = 0; k < N + 4; k++) { /* then the viewers PetscInitialize has read already */
    static const char *const initviews[4] = {"log_view", "log_trace", "malloc_view", "options_view"};
    const char              *colon, *name = k < N ? names[k] : initviews[k - N], *value     = k < N ? values[k] : NULL;
    char                     vfile[PETSC_MAX_PATH_LEN], ival[PETSC_MAX_PATH_LEN], iname[32] = "";
    size_t                   len;
    const PetscBool          initopt = (PetscBool)(k >= N);
    if (initopt) {
      PetscBool set;
      PetscCall(PetscSNPrintf(iname, sizeof(iname), "-%s", name));
      PetscCall(PetscOptionsGetString(NULL, NULL, iname, ival, sizeof(ival), &set));
      value = set ? ival : NULL;
    }
    if (!value || !(strstr(name, "view") || strstr(name, "monitor") || strstr(name, "trace")) || !(colon = strchr(value, ':'))) continue;
    len = strcspn(colon + 1, ":");
    if (!len || len >= sizeof(vfile)) continue;
    memcpy(vfile, colon + 1, len);
    vfile[len] = 0;
    for (PetscInt j = 0; j < nin + nout; j++) {
      const PdFileArg *a = j < nin ? &in[j] : &out[j - nin];
      PetscBool        same;
      PetscCall(PdFilesSame(PETSC_COMM_WORLD, vfile, a->path, &same));
      if (same) {
        char msg[2 * PETSC_MAX_PATH_LEN + 160];
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "-%s writes '%s', which is also the %s %s ('%s'): give the viewer its own file", name, vfile, j < nin ? "input" : "output", a->option, a->path));
        PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
        PetscCall(FreeLists(nlists, &lists));
        PetscCall(PetscFree3(in, out, opt));
        if (initopt) PetscCall(PetscOptionsClearValue(NULL, iname)); /* PetscFinalize would write it */
        SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s", msg);
      }
    }
  }
  PetscCall(FreeLists(nlists, &lists));
  PetscCall(PetscFree3(in, out, opt));
  PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
  PetscFunctionReturn(0);
}

/* -options_file F (also inside options files): every file readable and none including itself,
   directly or through others; checked before PETSc reads them (PETSc recurses without end on a
   cycle). Returns 0, or 1 after printing one message. */
/* where CheckOptionsFile writes: stderr, or nothing on the ranks other than the first of an mpiexec
   job (MPI is not started yet: the launcher's environment says the rank) */
static FILE *errf;

static int CheckOptionsFile(const char *file, const char *stack[], int depth)
{
  char  real[PATH_MAX], path[4096] = "", line[4096];
  FILE *f;
  int   bad = 0;

  struct stat st;

  if (!realpath(file, real) || stat(real, &st) || !(f = fopen(real, "r"))) {
    fprintf(errf, "pdeop %s: error: cannot read the options file '%s': %s\n", current, file, strerror(errno));
    return 1;
  }
  if (!S_ISREG(st.st_mode)) { /* a directory, a device (/dev/zero never ends), a pipe */
    fprintf(errf, "pdeop %s: error: the options file '%s' is not a regular file\n", current, file);
    fclose(f);
    return 1;
  }
  { /* fgets stops at nothing and strlen at a NUL byte: look for NUL bytes first */
    char   buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
      if (memchr(buf, 0, n)) {
        fprintf(errf, "pdeop %s: error: the options file '%s' is not a text file (it holds a NUL byte)\n", current, file);
        fclose(f);
        return 1;
      }
    rewind(f);
  }
  for (int k = 0; k < depth; k++)
    if (!strcmp(stack[k], real)) {
      for (int j = k; j < depth; j++) snprintf(path + strlen(path), sizeof(path) - strlen(path), "'%s' -> ", stack[j]);
      fprintf(errf, "pdeop %s: error: the options file '%s' includes itself (%s'%s')\n", current, file, path, real);
      fclose(f);
      return 1;
    }
  if (depth >= 32) {
    fprintf(errf, "pdeop %s: error: options files nested more than 32 deep at '%s'\n", current, file);
    fclose(f);
    return 1;
  }
  stack[depth] = real;
  {
    int known = 0;
    for (int k = 0; k < noptfiles && !known; k++) known = !strcmp(optfiles[k], real);
    if (!known && noptfiles < PD_MAX_OPTIONS_FILES) snprintf(optfiles[noptfiles++], PATH_MAX, "%s", real);
  }
  { /* PETSc reads a file with these endings as YAML, whatever it holds; pdeop takes the plain format only */
    const char *dot = strrchr(file, '.');
    if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"))) {
      fprintf(errf, "pdeop %s: error: the options file '%s' ends in %s, which PETSc reads as YAML: pdeop takes options files in PETSc's plain format (one option per line), under another name\n", current, file, dot);
      fclose(f);
      return 1;
    }
  }
  /* PETSc's rules, checked here so that a bad file is one line, not PETSc's trace: one option and at
     most one value per line ("alias -new -old" aside), '#' starts a comment, text only */
  for (int lineno = 1; !bad && fgets(line, sizeof(line), f); lineno++) {
    char  *t[4], *save = NULL, *hash = strchr(line, '#');
    size_t len = strlen(line);
    int    n   = 0;
    for (size_t k = 0; k < len; k++)
      if ((unsigned char)line[k] < 0x20 && !strchr("\t\n\r\f\v", line[k])) {
        fprintf(errf, "pdeop %s: error: the options file '%s' is not a text file (line %d holds a control byte)\n", current, file, lineno);
        bad = 1;
        break;
      }
    if (bad) break;
    if (len + 1 == sizeof(line) && line[len - 1] != '\n') {
      fprintf(errf, "pdeop %s: error: the options file '%s' has a line longer than %d characters (line %d)\n", current, file, (int)sizeof(line) - 2, lineno);
      bad = 1;
      break;
    }
    if (hash) *hash = 0;
    for (char *w = strtok_r(line, " \t\r\n\f\v", &save); w && n < 4; w = strtok_r(NULL, " \t\r\n\f\v", &save)) t[n++] = w;
    if (!n) continue;
    if (!strcmp(t[0], "alias")) {
      if (n != 3) {
        fprintf(errf, "pdeop %s: error: the options file '%s', line %d: an alias line is 'alias -new -old'\n", current, file, lineno);
        bad = 1;
      }
      continue;
    }
    if (t[0][0] != '-') {
      fprintf(errf, "pdeop %s: error: the options file '%s', line %d: '%s' is not an option (options start with '-')\n", current, file, lineno, t[0]);
      bad = 1;
    } else if (n > 2) {
      fprintf(errf, "pdeop %s: error: the options file '%s', line %d: one option and at most one value per line, got '%s %s %s%s'\n", current, file, lineno, t[0], t[1], t[2], n > 3 ? " ..." : "");
      bad = 1;
    } else if (n == 2 && !strcmp(t[0], "-options_file")) bad = CheckOptionsFile(t[1], stack, depth + 1);
  }
  fclose(f);
  return bad;
}

static int CheckOptionsFiles(int argc, char **argv)
{
  const char *stack[33];
  int         bad = 0;

  for (int i = 1; i + 1 < argc && !bad; i++)
    if (!strcmp(argv[i], "-options_file")) bad = CheckOptionsFile(argv[i + 1], stack, 0);
  return bad;
}

/* whether a command-line word is a number (a negative value, not an option) */
static int IsNumber(const char *w)
{
  char *end;
  if (!w[0]) return 0;
  (void)strtod(w, &end);
  return !*end;
}

/* An option given twice on the command line with different values: PETSc keeps the last. For a file
   option that silently drops a file (`-o a.h5 -o b.h5`, `-data x -data y`): an error; for others a
   warning that says which value is used. Returns 1 after an error. Messages from the first rank. */
static int CheckRepeated(const PdCommand *cmd, int argc, char **argv)
{
  const char *inputs = "", *outputs = "", *names[256], *vals[256];
  int         n = 0;

  for (size_t k = 0; k < sizeof(file_options) / sizeof(file_options[0]); k++)
    if (!strcmp(file_options[k].command, cmd->name)) inputs = file_options[k].inputs, outputs = file_options[k].outputs;
  for (int i = 1; i < argc && n < 256; i++) {
    if (argv[i][0] != '-' || IsNumber(argv[i])) continue;
    names[n] = argv[i];
    vals[n]  = (i + 1 < argc && (argv[i + 1][0] != '-' || IsNumber(argv[i + 1]))) ? argv[++i] : "";
    for (int j = 0; j < n; j++) {
      if (strcmp(names[j], names[n]) || !strcmp(vals[j], vals[n]) || !strcmp(names[n], "-options_file")) continue;
      if (Listed(inputs, names[n] + 1) || Listed(outputs, names[n] + 1) || !strcmp(names[n], "-report")) {
        fprintf(errf, "pdeop %s: error: %s is given twice ('%s', then '%s'): give each file option once\n", cmd->name, names[n], vals[j], vals[n]);
        return 1;
      }
      fprintf(errf, "pdeop %s: warning: %s is given twice (%s, then %s): %s is used\n", cmd->name, names[n], vals[j][0] ? vals[j] : "no value", vals[n][0] ? vals[n] : "no value", vals[n][0] ? vals[n] : "no value");
    }
    n++;
  }
  return 0;
}

/* PETSc's own numeric and type options given without a value: PETSc keeps the default without a
   word (`-da_grid_x` alone), or with an integer that does not fit PetscInt (which PETSc truncates).
   pdeop's options check this as they are read (PdOptionsInt, ...); for PETSc's, the common families
   by their endings. */
static PetscErrorCode CheckPetscValues(void)
{
  static const char *const ends[] = {"_rtol", "_atol", "_divtol", "_max_it", "_grid_x", "_grid_y", "_grid_z", "_refine", "_levels", "_type", "_restart", "_omega", "_its", "_dof", "_stencil_width", "_box_faces", "_box_lower", "_box_upper", "_fill", "_threshold"};
  static const char *const ints[] = {"_max_it", "_grid_x", "_grid_y", "_grid_z", "_refine", "_levels", "_restart", "_its", "_dof", "_stencil_width", "_box_faces"};
  PetscInt                 N;
  char                   **names, **values, bad[80] = "";

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &N, &names, &values));
  for (PetscInt k = 0; k < N && !bad[0]; k++) {
    size_t ln = strlen(names[k]);
    if (values[k] && values[k][0]) continue;
    for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]) && !bad[0]; e++) {
      size_t le = strlen(ends[e]);
      if (ln > le && !strcmp(names[k] + ln - le, ends[e])) PetscCall(PetscSNPrintf(bad, sizeof(bad), "-%s", names[k]));
    }
  }
  if (bad[0]) {
    PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "Option %s needs a value", bad);
  }
  for (PetscInt k = 0; k < N && !bad[0]; k++) { /* PETSc casts an integer that does not fit: -da_grid_x 99999999999 became 1215752191 */
    size_t ln = strlen(names[k]);
    for (size_t e = 0; e < sizeof(ints) / sizeof(ints[0]) && !bad[0] && values[k]; e++) {
      size_t le = strlen(ints[e]);
      if (ln <= le || strcmp(names[k] + ln - le, ints[e])) continue;
      if (PdOptionsIntOverflows(values[k])) PetscCall(PetscSNPrintf(bad, sizeof(bad), "-%s %s", names[k], values[k]));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
  PetscCheck(!bad[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "Option %s is out of range: an integer option holds %d at most", bad, (int)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

/* The end of a failed run on several ranks. If every rank failed (a barrier on exitcomm completes
   within a few seconds), the ranks' messages are gathered, rank 0 prints each distinct one once and
   all ranks finalize: exit 1 with no MPI_Abort, whose notice can cut off the message. Otherwise some
   rank is still working or waits in a collective: the failed rank prints its message with its rank,
   gives mpiexec a moment to forward it, and aborts the job. Does not return. */
static void ExitAfterError(void)
{
  PetscMPIInt size, rank;
  MPI_Request req;
  int         done = 0;
  double      t0   = MPI_Wtime();

  MPI_Comm_size(exitcomm, &size);
  MPI_Comm_rank(exitcomm, &rank);
  MPI_Ibarrier(exitcomm, &req);
  while (!done && MPI_Wtime() - t0 < 5.0) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) usleep(10000);
  }
  if (done) {
    char *all = rank == 0 ? malloc((size_t)size * PD_PENDING_LEN) : NULL;
    MPI_Gather(pending, PD_PENDING_LEN, MPI_CHAR, all, PD_PENDING_LEN, MPI_CHAR, 0, exitcomm);
    if (rank == 0 && all) {
      int same = 1;
      for (int r = 1; r < size; r++) same = same && !strcmp(all, all + (size_t)r * PD_PENDING_LEN);
      for (int r = 0; r < size; r++) {
        const char *m   = all + (size_t)r * PD_PENDING_LEN;
        int         dup = !m[0];
        for (int q = 0; q < r && !dup; q++) dup = !strcmp(m, all + (size_t)q * PD_PENDING_LEN);
        if (dup) continue;
        if (same) fprintf(stderr, "pdeop %s: error: %s\n", current, m);
        else fprintf(stderr, "pdeop %s: error (rank %d): %s\n", current, r, m);
      }
      fflush(stderr);
    }
    free(all);
    MPI_Comm_free(&exitcomm);
    PetscFinalize();
    exit(1);
  }
  if (pending[0]) fprintf(stderr, "pdeop %s: error (rank %d): %s\n", current, rank, pending);
  fflush(stderr);
  usleep(500000);
  MPI_Abort(PETSC_COMM_WORLD, 1);
  exit(1);
}

static PetscErrorCode Run(const PdCommand *cmd, const char *sub)
{
  PdDict    report;
  char      file[PETSC_MAX_PATH_LEN] = "";
  PetscBool flg, quiet, help;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-report", file, sizeof(file), &flg));
  PetscCheck(!flg || file[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-report needs a file name");
  PetscCall(PdIsQuiet(&quiet)); /* marks -quiet as used */
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pdeop %s: %s\n  -report <file.json>: write the results as a flat JSON object\n  -quiet: no progress output\n", cmd->name, cmd->summary));
  PetscCall(PdDictCreate(&report));
  PetscCall(PdDictSetString(report, "command", cmd->name));
  if (sub) PetscCall(PdDictSetString(report, "problem", sub));
  if (!help) PetscCall(CheckFiles(cmd, file));
  if (!help) PetscCall(CheckPetscValues());
  {
    PetscErrorCode ierr = cmd->run(PETSC_COMM_WORLD, sub, report);
    /* a march that ran its course short of steady still reports what it did (its report says
       "steady": false); any other failure leaves an existing report as it was */
    if (ierr == PETSC_ERR_NOT_CONVERGED && file[0] && !help) {
      PetscBool marched;
      PetscCall(PdDictHas(report, "steady", &marched));
      if (marched) PetscCall(PdDictWriteJSON(report, PETSC_COMM_WORLD, file));
    }
    PetscCall(ierr);
  }
  if (file[0] && !help) PetscCall(PdDictWriteJSON(report, PETSC_COMM_WORLD, file));
  if (!help) PetscCall(PdOptionsWarnUnused(PETSC_COMM_WORLD, current));
  PetscCall(PdDictDestroy(&report));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PdCommand *cmd     = NULL;
  char             sub[64] = "";
  PetscErrorCode   ierr;
  PetscMPIInt      size;
  PetscBool        handler = PETSC_FALSE; /* CliErrorHandler pushed */

  if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    Usage(stdout);
    return 0;
  }
  for (int i = 0; i < ncommands; i++)
    if (!strcmp(argv[1], commands[i].name)) cmd = &commands[i];
  if (!cmd) {
    fprintf(stderr, "pdeop: unknown command '%s'\n\n", argv[1]);
    Usage(stderr);
    return 2;
  }
  snprintf(current, sizeof(current), "%s", cmd->name);
  /* the command name is not an option: hide it from PETSc */
  for (int i = 1; i < argc - 1; i++) argv[i] = argv[i + 1];
  argc--;
  if (cmd->subcommands && argc > 1 && argv[1][0] != '-') {
    snprintf(sub, sizeof(sub), "%s", argv[1]);
    for (int i = 1; i < argc - 1; i++) argv[i] = argv[i + 1];
    argc--;
  } else if (!cmd->subcommands && argc > 1 && argv[1][0] != '-') {
    fprintf(stderr, "pdeop %s: unexpected argument '%s' (options start with '-')\n", cmd->name, argv[1]);
    return 2;
  }
  { /* checks before MPI starts: their messages from the first rank of an mpiexec job only (the
       launcher's environment says the rank) */
    const char *r = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
    int         bad;
    errf = (r && strcmp(r, "0")) ? fopen("/dev/null", "w") : stderr;
    if (!errf) errf = stderr;
    bad = CheckOptionsFiles(argc, argv) || CheckRepeated(cmd, argc, argv);
    if (errf != stderr) fclose(errf);
    if (bad) return 1;
  }
  /* PdInitialize, but the engine's options are read after the error handler below is in place, so
     that a bad value is one line like every other error */
  ierr = PetscInitialize(&argc, &argv, NULL, NULL);
  if (ierr || PdRegisterAll()) return 1;
  PdOptionsSetCheckUnused(PETSC_TRUE); /* a mistyped option is an error in the program (the library leaves a host's options alone) */
  signal(SIGPIPE, SIG_DFL);            /* `pdeop ... -help | head` ends quietly, as any Unix tool (PETSc traps the signal) */
  if (ReadRegistry()) return 1;
  if (sub[0]) {
    char padded[256], word[80];
    snprintf(padded, sizeof(padded), " %s ", cmd->subcommands);
    snprintf(word, sizeof(word), " %s ", sub);
    if (!strstr(padded, word)) {
      char dpadded[sizeof(data_problems) + 2];
      snprintf(dpadded, sizeof(dpadded), " %s ", commands[1].subcommands); /* the data command's */
      PetscBool family = PETSC_FALSE;
      if (!strcmp(cmd->name, "precond")) {
        PetscErrorCode ierr = PdProblemTypeHasFamily(sub, &family);
        if (ierr) family = PETSC_FALSE; /* not a registered problem: no family */
      }
      if (family) fprintf(stderr, "pdeop precond: '%s' is a problem, not a subcommand: to train on its family, pdeop precond train -problem %s (pdeop precond takes: %s)\n", sub, sub, cmd->subcommands);
      else if (strcmp(cmd->name, "data") && strstr(dpadded, word)) fprintf(stderr, "pdeop %s: '%s' is a dataset (pdeop data %s); pdeop %s takes: %s\n", cmd->name, sub, sub, cmd->name, cmd->subcommands);
      else fprintf(stderr, "pdeop %s: unknown problem '%s'; choose one of: %s\n", cmd->name, sub, cmd->subcommands);
      PetscFinalize();
      return 2;
    }
    snprintf(current, sizeof(current), "%s %s", cmd->name, sub);
  }
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  if (size > 1) MPI_Comm_dup(PETSC_COMM_WORLD, &exitcomm);
  {
    PetscBool traceback = PETSC_FALSE;
    PetscOptionsGetBool(NULL, NULL, "-traceback", &traceback, NULL);
    if (!traceback) handler = (PetscBool)!PetscPushErrorHandler(CliErrorHandler, NULL);
  }
  ierr = PdEngineSetFromOptions();
  if (!ierr) ierr = Run(cmd, sub[0] ? sub : NULL);
  /* -log names pdeop's CSV logs; PETSc would also take it as its legacy "-log <file>" and dump a
     log to file.0 at PetscFinalize */
  PetscOptionsClearValue(NULL, "-log");
  if (ierr) {
    PetscBool h5failed = PETSC_FALSE;
    PdH5GetWriteFailed(&h5failed);
    if (h5failed) { /* HDF5 would crash closing the file it failed to write, in PetscFinalize or MPI_Finalize */
      fflush(stdout);
      fflush(stderr);
      _exit(1);
    }
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (size > 1) ExitAfterError(); /* other ranks may wait in a collective */
    if (handler) PetscPopErrorHandler();
    PetscFinalize();
    return 1;
  }
  if (exitcomm != MPI_COMM_NULL) MPI_Comm_free(&exitcomm);
  if (handler) PetscPopErrorHandler(); /* -malloc_dump would list it */
  ierr = PetscFinalize();
  return ierr ? 1 : 0;
}
