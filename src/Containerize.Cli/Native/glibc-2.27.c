/*
 * Linked into the NativeAOT containerize (the package's publish host) so that it starts on glibc 2.27, the oldest C
 * library .NET 10 supports (Ubuntu 18.04, RHEL 8, Debian bullseye), although it is linked on a newer one.
 *
 * NativeAOT's static libraries are compiled by Microsoft against an old glibc; only the final link here binds each
 * C library call to this machine's *default* symbol version, which for pthread_*, dl*, shm_* and __libc_start_main is
 * GLIBC_2.34 (the libpthread/libdl/librt merge) and for log/log2/pow GLIBC_2.29. Every newer glibc still exports
 * the old versions, so the link is told (-Wl,--wrap=NAME, see Containerize.Cli.csproj) to send each such reference to
 * __wrap_NAME below, which jumps to NAME@<old version>. The binary then also needs libpthread.so.0, libdl.so.2 and
 * librt.so.1, where glibc before 2.34 defines those symbols (on newer glibc they are empty and cost nothing).
 *
 * The versions are glibc's x86_64 ABI; the list is what the host needs today. tests/.../Sdk/NativeHostGlibcTests.cs
 * reads the packed host's version needs and fails when a call newer than GLIBC_2.27 appears: add it here and to the
 * csproj's list.
 */
#if defined(__x86_64__) && defined(__linux__)
#include <stddef.h>

/* A tail jump keeps the caller's return address, which dlopen and dlsym(RTLD_NEXT) read to know who called. */
#define CTZ_PIN(name, version)                                         \
    __asm__(".symver ctz_old_" #name ", " #name "@" version "\n"      \
            ".text\n"                                                   \
            ".globl __wrap_" #name "\n"                                 \
            ".hidden __wrap_" #name "\n"                                \
            ".type __wrap_" #name ", @function\n"                       \
            "__wrap_" #name ":\n"                                       \
            "    jmp ctz_old_" #name "@PLT\n"                           \
            ".size __wrap_" #name ", .-__wrap_" #name "\n");

CTZ_PIN(pthread_create, "GLIBC_2.2.5")
CTZ_PIN(pthread_kill, "GLIBC_2.2.5")
CTZ_PIN(pthread_once, "GLIBC_2.2.5")
CTZ_PIN(pthread_sigmask, "GLIBC_2.2.5")
CTZ_PIN(pthread_key_create, "GLIBC_2.2.5")
CTZ_PIN(pthread_setspecific, "GLIBC_2.2.5")
CTZ_PIN(pthread_getattr_np, "GLIBC_2.2.5")
CTZ_PIN(pthread_attr_getstack, "GLIBC_2.2.5")
CTZ_PIN(pthread_attr_setstacksize, "GLIBC_2.2.5")
CTZ_PIN(pthread_setname_np, "GLIBC_2.12")
CTZ_PIN(pthread_condattr_setclock, "GLIBC_2.3.3")
CTZ_PIN(pthread_mutexattr_init, "GLIBC_2.2.5")
CTZ_PIN(pthread_mutexattr_settype, "GLIBC_2.2.5")
CTZ_PIN(pthread_mutexattr_destroy, "GLIBC_2.2.5")
CTZ_PIN(pthread_rwlock_rdlock, "GLIBC_2.2.5")
CTZ_PIN(pthread_rwlock_wrlock, "GLIBC_2.2.5")
CTZ_PIN(pthread_rwlock_unlock, "GLIBC_2.2.5")
CTZ_PIN(dlopen, "GLIBC_2.2.5")
CTZ_PIN(dlclose, "GLIBC_2.2.5")
CTZ_PIN(dlsym, "GLIBC_2.2.5")
CTZ_PIN(dlerror, "GLIBC_2.2.5")
CTZ_PIN(dladdr, "GLIBC_2.2.5")
CTZ_PIN(shm_open, "GLIBC_2.2.5")
CTZ_PIN(shm_unlink, "GLIBC_2.2.5")
CTZ_PIN(log, "GLIBC_2.2.5")
CTZ_PIN(log2, "GLIBC_2.2.5")
CTZ_PIN(pow, "GLIBC_2.2.5")

/*
 * __libc_start_main: since glibc 2.34 the start file (Scrt1.o) passes no init function and the new
 * __libc_start_main runs the executable's constructors itself. glibc before 2.34 runs them only through that init
 * function (ld.so skips the executable's), so without one the runtime's static constructors would never run there.
 * This is what libc_nonshared.a's __libc_csu_init did; every glibc calls a given init function instead of its own
 * constructor walk, so the constructors run exactly once either way.
 */
typedef void (*ctz_init_fn)(int, char **, char **);
extern ctz_init_fn __init_array_start[] __attribute__((visibility("hidden")));
extern ctz_init_fn __init_array_end[] __attribute__((visibility("hidden")));
extern void _init(void);

static void ctz_csu_init(int argc, char **argv, char **envp)
{
    _init();
    size_t count = (size_t)(__init_array_end - __init_array_start);
    for (size_t i = 0; i < count; i++) __init_array_start[i](argc, argv, envp);
}

typedef int (*ctz_main_fn)(int, char **, char **);
extern int ctz_old___libc_start_main(ctz_main_fn main, int argc, char **argv, ctz_init_fn init, void (*fini)(void),
                                     void (*rtld_fini)(void), void *stack_end);
__asm__(".symver ctz_old___libc_start_main, __libc_start_main@GLIBC_2.2.5");

__attribute__((visibility("hidden"))) int __wrap___libc_start_main(ctz_main_fn main, int argc, char **argv, ctz_init_fn init,
                                                                   void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
    return ctz_old___libc_start_main(main, argc, argv, init != NULL ? init : ctz_csu_init, fini, rtld_fini, stack_end);
}
#endif
