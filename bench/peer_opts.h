// peer_opts.h - the "--key value" command lines of the C++ peer programs
// (bench/grpc, bench/capnp: same options as the C ones, bench/README.md
// "RPC result lines").  Header-only.
#ifndef ALR_BENCH_PEER_OPTS_H
#define ALR_BENCH_PEER_OPTS_H

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>

namespace peer_opts {

// One option: its name and where its value goes (one of the three).
struct opt {
    const char *name;
    std::string *str;
    int *num;
    double *real;
};

inline opt str(const char *name, std::string *v) { return {name, v, nullptr, nullptr}; }
inline opt num(const char *name, int *v) { return {name, nullptr, v, nullptr}; }
inline opt real(const char *name, double *v) { return {name, nullptr, nullptr, v}; }

// Fills the options from argv[1..]: false on an unknown option or one
// without a value (the caller prints its usage).
inline bool parse(int argc, char **argv, std::initializer_list<opt> opts)
{
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return false;
        const opt *o = nullptr;
        for (const opt &c : opts)
            if (std::strcmp(argv[i], c.name) == 0)
                o = &c;
        if (!o)
            return false;
        const char *v = argv[i + 1];
        if (o->str)
            *o->str = v;
        else if (o->num)
            *o->num = std::atoi(v);
        else
            *o->real = std::atof(v);
    }
    return true;
}

} // namespace peer_opts

#endif
