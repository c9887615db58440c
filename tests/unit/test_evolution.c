/*
 * test_evolution.c - the evolution matrix: pairs of schema versions (sender
 * A, receiver B) compiled in process, joined by the real handshake (hello
 * encode/decode + alri_handshake, in both role assignments), a JSON value
 * encoded with A's layout and plan and decoded with B's, compared with the
 * JSON B must see; plus explicit capability assertions per pair and an
 * independent name+type oracle checked against every capability answer.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alr/codec.h"
#include "alr/layout.h"
#include "alr/plan.h"
#include "arena.h"
#include "json_value.h"
#include "schema_ir.h"
#include "schema_util.h"
#include "test.h"

/* One pair of the matrix.  Caps assertions, separated by ';':
 *   SIDE KIND NAME yes|no      KIND: service struct enum field method param return
 *   SIDE value ENUM HOW N yes|no   HOW: value strict flags flags_strict (alr_caps_enum_value)
 *   SIDE wire METHOD none      the method has no wire id (alr_plan_method_out)
 * SIDE is A (the sender's plan) or B (the receiver's plan). */
typedef struct evo_pair {
    const char *name;
    const char *a, *b; /* .alr texts of the sender and the receiver */
    const char *type;  /* what travels, named as alr --type does */
    const char *in;    /* the sender's value (NULL: no value check) */
    const char *want;  /* what the receiver must see */
    const char *caps;
} evo_pair;

/* ---------------------------------------------------------------- schemas */

#define PKG "package p;\n"

/* field added / removed */
static const char s_f1[] = PKG "struct S { u32 a; }";
static const char s_f2[] = PKG "struct S { u32 a; string note = \"Unknown\"; u16 port; }";
static const char s_r1[] = PKG "struct S { u32 a; string b; i64 c; }";
static const char s_r2[] = PKG "struct S { u32 a; i64 c; }";
static const char s_r3[] = PKG "struct S { u32 a; string b = \"n/a\"; i64 c; }";
/* reordered */
static const char s_o1[] = PKG "struct S { u32 a; string b; bool c; }";
static const char s_o2[] = PKG "struct S { bool c; u32 a; string b; }";
/* renamed */
static const char s_n1[] = PKG "struct S { u32 count; u8 k; }";
static const char s_n2[] = PKG "struct S { u8 k; u32 total = 5; }";
/* retyped */
static const char s_t1[] = PKG "struct S { string loc; u8 k; }";
static const char s_t2[] = PKG "struct Loc { f64 lat; f64 lon; }\n"
                               "struct S { Loc loc; u8 k; }";
static const char s_u1[] = PKG "struct S { u32 n; u8 k; }";
static const char s_u2[] = PKG "struct S { u64 n = 99; u8 k; }";
/* nested struct changed */
static const char s_x1[] = PKG "struct In { u32 x; u32 y; }\n"
                               "struct Out { In in; string tag; }";
static const char s_x2[] = PKG "struct In { u32 y; string z = \"zz\"; }\n"
                               "struct Out { string tag; In in; }";
/* enums */
static const char s_e1[] = PKG "enum Color { red, green }\n"
                               "struct S { Color c; Color d = green; }";
static const char s_e2[] = PKG "enum Color { red, green, blue }\n"
                               "struct S { Color c; Color d = green; }";
static const char s_e3[] = PKG "enum Color { red, verde = 1, blue }\n"
                               "struct S { Color c; Color d = verde; }";
/* flags */
static const char s_g1[] = PKG "flags Perm { read, write, exec }\n"
                               "struct S { Perm p; }";
static const char s_g2[] = PKG "flags Perm { read, modify = 2, exec, admin = 64 }\n"
                               "struct S { Perm p; }";
/* list<struct>, map<string, struct>, optional<struct> */
static const char s_l1[] = PKG "struct Item { string name; u32 qty; }\n"
                               "struct Cart { list<Item> items; u32 total; }";
static const char s_l2[] = PKG "struct Item { u32 qty; string name; f32 price = 1.5; }\n"
                               "struct Cart { list<Item> items; u32 total; }";
static const char s_m1[] = PKG "struct V { u32 x; bool gone; }\n"
                               "struct M { map<string, V> m; map<u32, V> byid; }";
static const char s_m2[] = PKG "struct V { u32 x; string y = \"why\"; }\n"
                               "struct M { map<string, V> m; map<u32, V> byid; }";
static const char s_p1[] = PKG "struct P { u32 a; }\n"
                               "struct O { optional<P> p; optional<P> q; }";
static const char s_p2[] = PKG "struct P { u32 a; u32 b = 7; }\n"
                               "struct O { optional<P> p; optional<P> q; }";
/* methods: parameters */
static const char s_a1[] = PKG "service Svc { static u32 f(u32 a); }";
static const char s_a2[] = PKG "service Svc { static u32 f(u32 a, string b = \"dflt\", bool c); }";
static const char s_a3[] = PKG "service Svc { static u32 f(string b, u32 a); }";
static const char s_a4[] = PKG "service Svc { static u32 f(u32 a, string b); }";
/* methods added / removed, categories, static vs instance */
static const char s_h1[] = PKG "service Svc {\n"
                               "    static void ping();\n"
                               "    static u32 f(u32 a);\n"
                               "    static void notify(string s);\n"
                               "    static u32 calc(u32 x);\n"
                               "    static u32 inst();\n"
                               "}\n"
                               "service Old { static void hello(); }";
static const char s_h2[] = PKG "service Svc {\n"
                               "    static u32 f(u32 a);\n"
                               "    static u32 g();\n"
                               "    static oneway void notify(string s = \"none\");\n"
                               "    static async u32 calc(u32 x = 4);\n"
                               "    u32 inst();\n"
                               "}";
/* return type changed within the category */
static const char s_q1[] = PKG "enum E { bad = 1 }\n"
                               "service Svc {\n"
                               "    static u32 total();\n"
                               "    static u32 res();\n"
                               "    static void v();\n"
                               "    static list<u32> same();\n"
                               "}";
static const char s_q2[] = PKG "enum E { bad = 1 }\n"
                               "service Svc {\n"
                               "    static u64 total();\n"
                               "    static result<u32, E> res();\n"
                               "    static u32 v();\n"
                               "    static list<u32> same();\n"
                               "}";
/* declared defaults of parameters and fields, every kind */
static const char s_d1[] = PKG "enum Color { red, green, blue }\n"
                               "flags Perm { read, write, exec }\n"
                               "struct S { u32 a; }\n"
                               "service Svc { static void f(u32 a); }";
static const char s_d2[] = PKG "enum Color { red, green, blue }\n"
                               "flags Perm { read, write, exec }\n"
                               "struct S { u32 a; string s = \"hi\\n\"; bytes raw = \"AB\";\n"
                               "    i8 i = -7; u64 big = 0xFFFFFFFFFFFFFFFF; f32 half = 0.5;\n"
                               "    f64 d = 1.5e2; bool on = true; Color c = blue;\n"
                               "    Perm p = read | exec; }\n"
                               "service Svc { static void f(u32 a, u8 retries = 3,\n"
                               "    f64 ratio = -inf, Color c = green, Perm p = write | exec,\n"
                               "    bool on = true, i16 neg = -12, string who = \"anon\"); }";
/* fixed arrays, sets of enums, refs */
static const char s_k1[] = PKG "enum Color { red, green, blue }\n"
                               "service Peer { static void x(); }\n"
                               "struct S { u8 d[4]; set<Color> cs; ref<Peer> r; list<u32> l; }";
static const char s_k2[] = PKG "enum Color { red, green, blue, cyan }\n"
                               "service Peer { static void x(); }\n"
                               "struct S { u8 d[8]; set<Color> cs; ref<Peer> r; list<u64> l; }";

/* every kind at once */
static const char s_all1[] = PKG "struct Inner { i32 x; }\n"
                                 "struct All { u8 keep; }";
static const char s_all2[] = PKG "enum Color { red, green = 5, blue }\n"
                                 "flags Perm { read, write, exec = 16 }\n"
                                 "service Peer { static void x(); }\n"
                                 "struct Inner { i32 x; optional<string> s; }\n"
                                 "struct All { u8 keep; bool b; i8 a8; i16 a16; i32 a32; i64 a64;\n"
                                 "    u8 b8; u16 b16; u32 b32; u64 b64; f32 f; f64 d; string s;\n"
                                 "    bytes raw; list<Inner> items; set<u32> ids;\n"
                                 "    map<string, i64> counts; map<u32, string> names;\n"
                                 "    optional<Inner> opt; u8 digest[4]; Inner inner; Color c;\n"
                                 "    Perm p; ref<Peer> r; list<list<string>> ll; }";

/* the CityGuide weather story */
static const char s_w1[] = "package cityguide;\n"
                           "struct WeatherInfo { f32 temperature; string conditions; }\n"
                           "service CityGuide { static WeatherInfo weather(string city); }";
static const char s_w2[] = "package cityguide;\n"
                           "struct WeatherConditions { f32 wind_speed; }\n"
                           "struct WeatherInfo { f32 temperature; string conditions;\n"
                           "    WeatherConditions conditions_v2; }\n"
                           "service CityGuide { static WeatherInfo weather(string city); }";
static const char s_w3[] =
    "package cityguide;\n"
    "struct WeatherConditions { f32 wind_speed;\n"
    "    string description = \"Unknown\"; }\n"
    "struct WeatherInfo { f32 temperature; string conditions;\n"
    "    WeatherConditions conditions_v2; u8 hour; }\n"
    "service CityGuide {\n"
    "    static WeatherInfo weather(string city);\n"
    "    static list<WeatherInfo> weather_forecast(string city, u8 days = 3);\n"
    "}";

/* ---------------------------------------------------------------- the matrix */

static const evo_pair pairs[] = {
    {"field added (old -> new)", s_f1, s_f2, "p.S", "{\"a\":7}",
     "{\"a\":7,\"note\":\"Unknown\",\"port\":0}",
     "B struct p.S yes; B field p.S.a yes; B field p.S.note no; B field p.S.port no;"
     "A field p.S.a yes"},
    {"field added (new -> old)", s_f2, s_f1, "p.S", "{\"a\":7,\"note\":\"hi\",\"port\":9}",
     "{\"a\":7}", "A field p.S.note no; A field p.S.port no; A field p.S.a yes"},
    {"field removed (middle)", s_r1, s_r2, "p.S", "{\"a\":1,\"b\":\"x\",\"c\":-5}",
     "{\"a\":1,\"c\":-5}", "A field p.S.b no; A field p.S.c yes; B field p.S.c yes"},
    {"field removed (receiver still has it, with a default)", s_r2, s_r3, "p.S",
     "{\"a\":1,\"c\":-5}", "{\"a\":1,\"b\":\"n/a\",\"c\":-5}", "B field p.S.b no"},
    {"field reordered", s_o1, s_o2, "p.S", "{\"a\":1,\"b\":\"x\",\"c\":true}",
     "{\"c\":true,\"a\":1,\"b\":\"x\"}", "A field p.S.a yes; A field p.S.b yes; B field p.S.c yes"},
    {"field reordered (back)", s_o2, s_o1, "p.S", "{\"c\":true,\"a\":4294967295,\"b\":\"\"}",
     "{\"a\":4294967295,\"b\":\"\",\"c\":true}", "A field p.S.c yes"},
    {"field renamed", s_n1, s_n2, "p.S", "{\"count\":3,\"k\":2}", "{\"k\":2,\"total\":5}",
     "A field p.S.count no; B field p.S.total no; B field p.S.k yes"},
    {"field renamed (back)", s_n2, s_n1, "p.S", "{\"k\":2,\"total\":8}", "{\"count\":0,\"k\":2}",
     "A field p.S.total no; B field p.S.count no"},
    {"field retyped string -> struct", s_t1, s_t2, "p.S", "{\"loc\":\"SF\",\"k\":1}",
     "{\"loc\":{\"lat\":0.0,\"lon\":0.0},\"k\":1}",
     "A field p.S.loc no; B field p.S.loc no; B struct p.Loc no; B field p.Loc.lat no;"
     "A field p.S.k yes"},
    {"field retyped struct -> string", s_t2, s_t1, "p.S",
     "{\"loc\":{\"lat\":1.5,\"lon\":2.5},\"k\":1}", "{\"loc\":\"\",\"k\":1}",
     "A field p.S.loc no; A struct p.Loc no"},
    {"field retyped u32 -> u64", s_u1, s_u2, "p.S", "{\"n\":5,\"k\":1}", "{\"n\":99,\"k\":1}",
     "A field p.S.n no; B field p.S.n no; B field p.S.k yes"},
    {"field retyped u64 -> u32", s_u2, s_u1, "p.S", "{\"n\":\"18446744073709551615\",\"k\":1}",
     "{\"n\":0,\"k\":1}", "A field p.S.n no"},
    {"nested struct changed", s_x1, s_x2, "p.Out", "{\"in\":{\"x\":1,\"y\":2},\"tag\":\"t\"}",
     "{\"tag\":\"t\",\"in\":{\"y\":2,\"z\":\"zz\"}}",
     "A field p.In.x no; A field p.In.y yes; B field p.In.z no; B field p.Out.in yes;"
     "B struct p.In yes"},
    {"nested struct changed (back)", s_x2, s_x1, "p.Out",
     "{\"tag\":\"t\",\"in\":{\"y\":2,\"z\":\"q\"}}", "{\"in\":{\"x\":0,\"y\":2},\"tag\":\"t\"}",
     "A field p.In.z no; B field p.In.x no"},
    {"enum value added (old -> new)", s_e1, s_e2, "p.S", "{\"c\":\"green\"}",
     "{\"c\":\"green\",\"d\":\"red\"}",
     "B enum p.Color yes; B value p.Color value 2 no; B value p.Color strict 2 no;"
     "B value p.Color value 1 yes; B value p.Color strict 1 yes; A value p.Color value 1 yes"},
    {"enum value added (new -> old: unknown value arrives)", s_e2, s_e1, "p.S",
     "{\"c\":\"blue\",\"d\":\"green\"}", "{\"c\":2,\"d\":\"green\"}",
     "A value p.Color value 2 no; A value p.Color strict 2 no; A value p.Color value 0 yes;"
     "A value p.Color value 77 no; B value p.Color value 2 yes; B value p.Color strict 2 no;"
     "B value p.Color value 3 no"},
    {"enum value renamed", s_e2, s_e3, "p.S", "{\"c\":\"green\",\"d\":\"blue\"}",
     "{\"c\":\"verde\",\"d\":\"blue\"}",
     "A value p.Color value 1 yes; A value p.Color strict 1 no; A value p.Color strict 0 yes;"
     "A value p.Color strict 2 yes; B value p.Color value 1 yes; B value p.Color strict 1 no"},
    {"flags: bits added and renamed (old -> new)", s_g1, s_g2, "p.S",
     "{\"p\":[\"read\",\"write\",\"exec\"]}", "{\"p\":[\"read\",\"modify\",\"exec\"]}",
     "A value p.Perm flags 7 yes; A value p.Perm flags_strict 7 no; A value p.Perm flags_strict 5 "
     "yes;"
     "A value p.Perm flags_strict 2 no; A value p.Perm flags 8 no; B value p.Perm flags 64 no;"
     "B value p.Perm flags 7 yes; B value p.Perm flags 71 no; B value p.Perm flags_strict 5 yes"},
    {"flags: unknown bit arrives (new -> old)", s_g2, s_g1, "p.S", "{\"p\":[\"read\",\"admin\"]}",
     "{\"p\":[\"read\",64]}", "A value p.Perm flags 65 no; A value p.Perm flags 1 yes"},
    {"list<struct> evolves", s_l1, s_l2, "p.Cart",
     "{\"items\":[{\"name\":\"a\",\"qty\":2},{\"name\":\"b\",\"qty\":0},{}],\"total\":3}",
     "{\"items\":[{\"qty\":2,\"name\":\"a\",\"price\":1.5},{\"qty\":0,\"name\":\"b\",\"price\":1.5}"
     ","
     "{\"qty\":0,\"name\":\"\",\"price\":1.5}],\"total\":3}",
     "B field p.Item.price no; B field p.Cart.items yes; A field p.Item.qty yes"},
    {"list<struct> evolves (back)", s_l2, s_l1, "p.Cart",
     "{\"items\":[{\"qty\":2,\"name\":\"a\",\"price\":9.25}],\"total\":1}",
     "{\"items\":[{\"name\":\"a\",\"qty\":2}],\"total\":1}", "A field p.Item.price no"},
    {"map<string, struct> and map<u32, struct> evolve", s_m1, s_m2, "p.M",
     "{\"m\":{\"k1\":{\"x\":1,\"gone\":true},\"k2\":{\"x\":2}},\"byid\":[[5,{\"x\":3}]]}",
     "{\"m\":{\"k1\":{\"x\":1,\"y\":\"why\"},\"k2\":{\"x\":2,\"y\":\"why\"}},"
     "\"byid\":[[5,{\"x\":3,\"y\":\"why\"}]]}",
     "A field p.V.gone no; B field p.V.y no; B field p.M.m yes; B field p.M.byid yes"},
    {"map<string, struct> evolves (back)", s_m2, s_m1, "p.M",
     "{\"m\":{\"z\":{\"x\":9,\"y\":\"q\"}},\"byid\":[]}",
     "{\"m\":{\"z\":{\"x\":9,\"gone\":false}},\"byid\":[]}", "B field p.V.gone no"},
    {"optional<struct> evolves", s_p1, s_p2, "p.O", "{\"p\":{\"a\":3},\"q\":null}",
     "{\"p\":{\"a\":3,\"b\":7},\"q\":null}", "B field p.P.b no; B field p.O.p yes"},
    {"optional<struct> evolves (back)", s_p2, s_p1, "p.O", "{\"p\":{\"a\":0,\"b\":1},\"q\":{}}",
     "{\"p\":{\"a\":0},\"q\":{\"a\":0}}", "A field p.P.b no"},
    {"method params added", s_a1, s_a2, "p.Svc.f", "{\"a\":1}",
     "{\"a\":1,\"b\":\"dflt\",\"c\":false}",
     "B method p.Svc.f yes; B param p.Svc.f.a yes; B param p.Svc.f.b no; B param p.Svc.f.c no;"
     "B return p.Svc.f yes; A return p.Svc.f yes; B service p.Svc yes"},
    {"method params removed", s_a2, s_a1, "p.Svc.f", "{\"a\":1,\"b\":\"x\",\"c\":true}",
     "{\"a\":1}", "A param p.Svc.f.b no; A param p.Svc.f.c no; A param p.Svc.f.a yes"},
    {"method params reordered", s_a4, s_a3, "p.Svc.f", "{\"a\":1,\"b\":\"x\"}",
     "{\"b\":\"x\",\"a\":1}",
     "A param p.Svc.f.a yes; A param p.Svc.f.b yes; B param p.Svc.f.b yes"},
    {"method params reordered (back)", s_a3, s_a4, "p.Svc.f", "{\"b\":\"yy\",\"a\":70000}",
     "{\"a\":70000,\"b\":\"yy\"}", NULL},
    {"method result unchanged", s_a1, s_a2, "p.Svc.f:return", "{\"return\":42}", "{\"return\":42}",
     "A return p.Svc.f yes"},
    {"methods added/removed, category and static/instance changed", s_h1, s_h2, "p.Svc.f",
     "{\"a\":5}", "{\"a\":5}",
     "A method p.Svc.ping no; A wire p.Svc.ping none; B method p.Svc.g no; B wire p.Svc.g none;"
     "A method p.Svc.f yes; B method p.Svc.f yes; A method p.Svc.notify no; B method p.Svc.notify "
     "no;"
     "A method p.Svc.calc no; B method p.Svc.calc no; A method p.Svc.inst no; B method p.Svc.inst "
     "no;"
     "A service p.Old no; A method p.Old.hello no; B service p.Svc yes"},
    {"oneway <-> sync: args of a method the peer lacks get defaults", s_h1, s_h2, "p.Svc.notify",
     "{\"s\":\"hi\"}", "{\"s\":\"none\"}", "B param p.Svc.notify.s no; A param p.Svc.notify.s no"},
    {"async <-> sync: args of a method the peer lacks get defaults", s_h2, s_h1, "p.Svc.calc",
     "{\"x\":4}", "{\"x\":0}", "A param p.Svc.calc.x no; B return p.Svc.calc no"},
    {"return type changed u32 -> u64 (caller gets the default)", s_q1, s_q2, "p.Svc.total:return",
     "{\"return\":5}", "{\"return\":0}",
     "A method p.Svc.total yes; A return p.Svc.total no; B return p.Svc.total no;"
     "A method p.Svc.res yes; A return p.Svc.res no; B return p.Svc.res no;"
     "A method p.Svc.v yes; B method p.Svc.v yes; B return p.Svc.v no;"
     "A return p.Svc.same yes; B return p.Svc.same yes"},
    {"return mode value -> result (same category)", s_q1, s_q2, "p.Svc.res:return",
     "{\"return\":5}", "{\"return\":0}", NULL},
    {"return type unchanged next to changed ones", s_q2, s_q1, "p.Svc.same:return",
     "{\"return\":[1,2,3]}", "{\"return\":[1,2,3]}", "A return p.Svc.same yes"},
    {"declared defaults of params", s_d1, s_d2, "p.Svc.f", "{\"a\":9}",
     "{\"a\":9,\"retries\":3,\"ratio\":\"-inf\",\"c\":\"green\",\"p\":[\"write\",\"exec\"],"
     "\"on\":true,\"neg\":-12,\"who\":\"anon\"}",
     "B param p.Svc.f.a yes; B param p.Svc.f.retries no; B param p.Svc.f.ratio no;"
     "B param p.Svc.f.who no"},
    {"declared defaults of fields", s_d1, s_d2, "p.S", "{\"a\":9}",
     "{\"a\":9,\"s\":\"hi\\n\",\"raw\":\"4142\",\"i\":-7,\"big\":\"18446744073709551615\","
     "\"half\":0.5,\"d\":150.0,\"on\":true,\"c\":\"blue\",\"p\":[\"read\",\"exec\"]}",
     "B field p.S.s no; B field p.S.big no; B field p.S.p no; B field p.S.a yes"},
    {"declared defaults are the receiver's only (new -> old)", s_d2, s_d1, "p.S",
     "{\"a\":9,\"s\":\"x\",\"c\":\"red\"}", "{\"a\":9}", "A field p.S.s no"},
    {"array length, set<enum>, list element type", s_k1, s_k2, "p.S",
     "{\"d\":[1,2,3,4],\"cs\":[\"red\",\"blue\"],\"r\":12,\"l\":[1]}",
     "{\"d\":[0,0,0,0,0,0,0,0],\"cs\":[\"red\",\"blue\"],\"r\":12,\"l\":[]}",
     "A field p.S.d no; A field p.S.cs yes; A field p.S.r yes; A field p.S.l no;"
     "B value p.Color value 3 no; A value p.Color strict 2 yes"},
    {"array length, set<enum>, list element type (back)", s_k2, s_k1, "p.S",
     "{\"d\":[1,2,3,4,5,6,7,8],\"cs\":[\"cyan\",\"green\"],\"r\":\"18446744073709551615\",\"l\":[7]"
     "}",
     "{\"d\":[0,0,0,0],\"cs\":[3,\"green\"],\"r\":\"18446744073709551615\",\"l\":[]}",
     "A value p.Color value 3 no"},
    {"every kind, same schema", s_all2, s_all2, "p.All",
     "{\"keep\":1,\"b\":true,\"a8\":-128,\"a16\":-300,\"a32\":-5,\"a64\":-9223372036854775808,"
     "\"b8\":255,\"b16\":65535,\"b32\":4294967295,\"b64\":\"18446744073709551615\",\"f\":0.1,"
     "\"d\":-1e300,\"s\":\"h\u00e9\\\"\\n\",\"raw\":\"00FFab\",\"items\":[{\"x\":1,\"s\":\"a\"},"
     "{\"x\":2,\"s\":null}],\"ids\":[3,1],\"counts\":{\"a\":1,\"b c\":-2},"
     "\"names\":[[1,\"one\"],[2,\"\"]],\"opt\":{\"x\":9},\"digest\":[1,2,3,255],"
     "\"inner\":{\"x\":7,\"s\":\"\"},\"c\":\"blue\",\"p\":[\"read\",\"exec\",64],\"r\":5,"
     "\"ll\":[[],[\"x\",\"y\"]]}",
     "{\"keep\":1,\"b\":true,\"a8\":-128,\"a16\":-300,\"a32\":-5,\"a64\":-9223372036854775808,"
     "\"b8\":255,\"b16\":65535,\"b32\":4294967295,\"b64\":\"18446744073709551615\",\"f\":0.1,"
     "\"d\":-1e300,\"s\":\"h\u00e9\\\"\\n\",\"raw\":\"00ffab\",\"items\":[{\"x\":1,\"s\":\"a\"},"
     "{\"x\":2,\"s\":null}],\"ids\":[3,1],\"counts\":{\"a\":1,\"b c\":-2},"
     "\"names\":[[1,\"one\"],[2,\"\"]],\"opt\":{\"x\":9,\"s\":null},\"digest\":[1,2,3,255],"
     "\"inner\":{\"x\":7,\"s\":\"\"},\"c\":\"blue\",\"p\":[\"read\",\"exec\",64],\"r\":5,"
     "\"ll\":[[],[\"x\",\"y\"]]}",
     "A field p.All.ll yes; A value p.Perm flags 17 yes; A value p.Perm flags 64 no;"
     "A value p.Color strict 5 yes; A value p.Color value 3 no"},
    {"every kind added: the receiver sees each zero", s_all1, s_all2, "p.All", "{\"keep\":3}",
     "{\"keep\":3,\"b\":false,\"a8\":0,\"a16\":0,\"a32\":0,\"a64\":0,\"b8\":0,\"b16\":0,"
     "\"b32\":0,\"b64\":0,\"f\":0.0,\"d\":0.0,\"s\":\"\",\"raw\":\"\",\"items\":[],\"ids\":[],"
     "\"counts\":{},\"names\":[],\"opt\":null,\"digest\":[0,0,0,0],\"inner\":{\"x\":0,\"s\":null},"
     "\"c\":\"red\",\"p\":[],\"r\":0,\"ll\":[]}",
     "B field p.All.keep yes; B field p.All.b no; B field p.Inner.s no; B field p.Inner.x yes;"
     "B enum p.Color no; B value p.Color value 0 no; B service p.Peer no; B struct p.Inner yes"},
    {"every kind removed", s_all2, s_all1, "p.All",
     "{\"keep\":3,\"b\":true,\"s\":\"x\",\"items\":[{\"x\":1}],\"opt\":{\"x\":2},\"p\":[\"exec\"]}",
     "{\"keep\":3}", "A field p.All.opt no; A field p.Inner.x yes; A field p.Inner.s no"},
    /* the CityGuide weather story */
    {"weather v1 -> v2", s_w1, s_w2, "cityguide.WeatherInfo",
     "{\"temperature\":21.5,\"conditions\":\"sunny\"}",
     "{\"temperature\":21.5,\"conditions\":\"sunny\",\"conditions_v2\":{\"wind_speed\":0.0}}",
     "B field cityguide.WeatherInfo.conditions_v2 no; B struct cityguide.WeatherConditions no;"
     "B field cityguide.WeatherInfo.conditions yes; B return cityguide.CityGuide.weather yes"},
    {"weather v2 -> v1", s_w2, s_w1, "cityguide.WeatherInfo",
     "{\"temperature\":21.5,\"conditions\":\"windy\",\"conditions_v2\":{\"wind_speed\":12.5}}",
     "{\"temperature\":21.5,\"conditions\":\"windy\"}",
     "A field cityguide.WeatherInfo.conditions_v2 no; A struct cityguide.WeatherConditions no;"
     "A field cityguide.WeatherConditions.wind_speed no"},
    {"weather v2 -> v3", s_w2, s_w3, "cityguide.WeatherInfo",
     "{\"temperature\":21.5,\"conditions\":\"windy\",\"conditions_v2\":{\"wind_speed\":12.5}}",
     "{\"temperature\":21.5,\"conditions\":\"windy\",\"conditions_v2\":{\"wind_speed\":12.5,"
     "\"description\":\"Unknown\"},\"hour\":0}",
     "B field cityguide.WeatherConditions.description no; B field cityguide.WeatherInfo.hour no;"
     "B method cityguide.CityGuide.weather_forecast no; B wire "
     "cityguide.CityGuide.weather_forecast none;"
     "B param cityguide.CityGuide.weather_forecast.days no; B struct cityguide.WeatherConditions "
     "yes;"
     "B field cityguide.WeatherConditions.wind_speed yes; B method cityguide.CityGuide.weather "
     "yes"},
    {"weather v3 -> v2", s_w3, s_w2, "cityguide.WeatherInfo",
     "{\"temperature\":-3.25,\"conditions\":\"snow\",\"conditions_v2\":{\"wind_speed\":40,"
     "\"description\":\"blizzard\"},\"hour\":6}",
     "{\"temperature\":-3.25,\"conditions\":\"snow\",\"conditions_v2\":{\"wind_speed\":40.0}}",
     "A field cityguide.WeatherConditions.description no; A field cityguide.WeatherInfo.hour no;"
     "A method cityguide.CityGuide.weather_forecast no; A struct cityguide.WeatherConditions yes"},
    {"weather v1 -> v3 (absent struct member takes its declared nested defaults)", s_w1, s_w3,
     "cityguide.WeatherInfo", "{\"temperature\":30,\"conditions\":\"hot\"}",
     "{\"temperature\":30.0,\"conditions\":\"hot\",\"conditions_v2\":{\"wind_speed\":0.0,"
     "\"description\":\"Unknown\"},\"hour\":0}",
     "B field cityguide.WeatherInfo.conditions_v2 no; B field cityguide.WeatherInfo.hour no;"
     "B struct cityguide.WeatherConditions no; B method cityguide.CityGuide.weather_forecast no"},
    {"weather v3 -> v1", s_w3, s_w1, "cityguide.WeatherInfo",
     "{\"temperature\":0.1,\"conditions\":\"fog\",\"conditions_v2\":{\"wind_speed\":3},\"hour\":"
     "23}",
     "{\"temperature\":0.1,\"conditions\":\"fog\"}",
     "A method cityguide.CityGuide.weather_forecast no; A param cityguide.CityGuide.weather.city "
     "yes"},
    {"weather v1 -> v3: the weather() reply", s_w1, s_w3, "cityguide.CityGuide.weather:return",
     "{\"return\":{\"temperature\":18,\"conditions\":\"rain\"}}",
     "{\"return\":{\"temperature\":18.0,\"conditions\":\"rain\",\"conditions_v2\":{\"wind_speed\":"
     "0.0,"
     "\"description\":\"Unknown\"},\"hour\":0}}",
     "A return cityguide.CityGuide.weather yes"},
    {"weather v3 -> v2: the weather() reply", s_w3, s_w2, "cityguide.CityGuide.weather:return",
     "{\"return\":{\"temperature\":18,\"conditions\":\"rain\",\"conditions_v2\":{\"wind_speed\":7."
     "5,"
     "\"description\":\"gusts\"},\"hour\":12}}",
     "{\"return\":{\"temperature\":18.0,\"conditions\":\"rain\",\"conditions_v2\":{\"wind_speed\":"
     "7.5}}}",
     NULL},
    {"weather v3 -> v3: weather_forecast args with the same schema", s_w3, s_w3,
     "cityguide.CityGuide.weather_forecast", "{\"city\":\"Paris\"}",
     "{\"city\":\"Paris\",\"days\":0}",
     "A method cityguide.CityGuide.weather_forecast yes; A param "
     "cityguide.CityGuide.weather_forecast.days yes"},
};

/* ---------------------------------------------------------------- helpers */

static char g_dir[512];

static void expect(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void expect(int ok, const char *fmt, ...)
{
    if (ok) {
        test_passed_++;
        return;
    }
    test_failed_++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAILED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

typedef struct side {
    alr_schema *s;
    uint8_t *blob;
    size_t len;
    alr_layout *l;
} side;

static int side_load(side *sd, const char *name, const char *text)
{
    memset(sd, 0, sizeof *sd);
    char path[600];
    snprintf(path, sizeof path, "%s/%s.alr", g_dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return -1;
    }
    char err[512];
    int rc = su_load_schema(path, NULL, 0, stderr, &sd->s, &sd->blob, &sd->len, err, sizeof err);
    unlink(path);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (alr_layout_build(sd->s, &sd->l) != ALR_OK) {
        fprintf(stderr, "cannot build the layout of %s\n", name);
        return -1;
    }
    return 0;
}

static void side_free(side *sd)
{
    alr_layout_free(sd->l);
    alr_schema_free(sd->s);
    free(sd->blob);
}

static void *arena_alloc_cb(void *ctx, size_t size)
{
    return alri_arena_alloc(ctx, size);
}

/* ---------------------------------------------------------------- the oracle */

/* Same type: same kind, same named declarations (by qualified name), same
 * operands.  An independent restatement of "identity is name + type". */
static int type_eq(const alri_schema *a, uint32_t ta, const alri_schema *b, uint32_t tb)
{
    if (ta == ALRI_NONE || tb == ALRI_NONE)
        return ta == tb;
    const alri_type *x = &a->types.v[ta], *y = &b->types.v[tb];
    if (x->kind != y->kind)
        return 0;
    switch (x->kind) {
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
        return type_eq(a, x->a, b, y->a);
    case ALR_K_MAP:
        return type_eq(a, x->a, b, y->a) && type_eq(a, x->b, b, y->b);
    case ALR_K_ARRAY:
        return x->b == y->b && type_eq(a, x->a, b, y->a);
    case ALR_K_STRUCT:
        return strcmp(a->structs.v[x->a].name, b->structs.v[y->a].name) == 0;
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
        return strcmp(a->enums.v[x->a].name, b->enums.v[y->a].name) == 0;
    case ALR_K_REF:
        return strcmp(a->services.v[x->a].name, b->services.v[y->a].name) == 0;
    default:
        return 1;
    }
}

static int category(const alri_method *m)
{
    if (m->kind == ALR_METHOD_CTOR)
        return 10;
    switch (m->mode) {
    case ALR_RET_VOID:
    case ALR_RET_VALUE:
    case ALR_RET_RESULT:
    case ALR_RET_STATUS:
        return 1;
    default:
        return 2 + m->mode;
    }
}

static uint32_t member_named(const alri_member *v, uint32_t first, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(v[first + i].name, name) == 0)
            return first + i;
    return ALRI_NONE;
}

/* The peer's method matching local method m of L, or ALRI_NONE. */
static uint32_t peer_method(const alri_schema *L, uint32_t m, const alri_schema *P)
{
    uint32_t svc = su_method_service(L, m);
    uint32_t psvc = su_find_service(P, L->services.v[svc].name);
    if (psvc == ALRI_NONE)
        return ALRI_NONE;
    const alri_method *lm = &L->methods.v[m];
    const alri_service *ps = &P->services.v[psvc];
    for (uint32_t k = 0; k < ps->nmethods; k++) {
        const alri_method *pm = &P->methods.v[ps->first_method + k];
        if (strcmp(pm->name, lm->name) == 0)
            return category(pm) == category(lm) && pm->kind == lm->kind ? ps->first_method + k
                                                                        : ALRI_NONE;
    }
    return ALRI_NONE;
}

/* Every capability answer of plan (local L, peer P) against the oracle. */
static void oracle(const char *pair, const char *who, const alr_plan *plan, const alri_schema *L,
                   const alri_schema *P, const alr_plan *peer_plan)
{
    for (uint32_t i = 0; i < L->services.n; i++) {
        int want = su_find_service(P, L->services.v[i].name) != ALRI_NONE;
        expect(alr_caps_has_service(plan, i) == want, "%s: %s service %s: want %d", pair, who,
               L->services.v[i].name, want);
    }
    for (uint32_t m = 0; m < L->methods.n; m++) {
        const alri_method *lm = &L->methods.v[m];
        uint32_t pm = peer_method(L, m, P);
        expect(alr_caps_has_method(plan, m) == (pm != ALRI_NONE), "%s: %s method %s: want %d", pair,
               who, lm->name, pm != ALRI_NONE);
        int ret = pm != ALRI_NONE &&
                  (lm->kind == ALR_METHOD_CTOR || (lm->mode == P->methods.v[pm].mode &&
                                                   type_eq(L, lm->ret, P, P->methods.v[pm].ret) &&
                                                   type_eq(L, lm->err, P, P->methods.v[pm].err)));
        expect(alr_caps_has_return(plan, m) == ret, "%s: %s return %s: want %d", pair, who,
               lm->name, ret);
        /* method ids: what this side sends, the peer maps back to its own method */
        uint32_t wire = alr_plan_method_out(plan, m);
        if (pm == ALRI_NONE)
            expect(wire == ALR_NONE, "%s: %s method %s: wire id for a missing method", pair, who,
                   lm->name);
        else
            expect(wire != ALR_NONE && alr_plan_method_in(peer_plan, wire) == pm,
                   "%s: %s method %s: wire id %u does not reach the peer's method", pair, who,
                   lm->name, wire);
        for (uint32_t k = 0; k < lm->nparams; k++) {
            const alri_member *lp = &L->params.v[lm->first_param + k];
            int want = 0;
            if (pm != ALRI_NONE) {
                const alri_method *q = &P->methods.v[pm];
                uint32_t pp = member_named(P->params.v, q->first_param, q->nparams, lp->name);
                want = pp != ALRI_NONE && type_eq(L, lp->type, P, P->params.v[pp].type);
            }
            expect(alr_caps_has_param(plan, lm->first_param + k) == want,
                   "%s: %s param %s.%s: want %d", pair, who, lm->name, lp->name, want);
        }
    }
    for (uint32_t i = 0; i < L->structs.n; i++) {
        const alri_struct *st = &L->structs.v[i];
        uint32_t ps = su_find_struct(P, st->name);
        expect(alr_caps_has_struct(plan, i) == (ps != ALRI_NONE), "%s: %s struct %s: want %d", pair,
               who, st->name, ps != ALRI_NONE);
        for (uint32_t k = 0; k < st->nfields; k++) {
            const alri_member *lf = &L->fields.v[st->first_field + k];
            int want = 0;
            if (ps != ALRI_NONE) {
                const alri_struct *q = &P->structs.v[ps];
                uint32_t pf = member_named(P->fields.v, q->first_field, q->nfields, lf->name);
                want = pf != ALRI_NONE && type_eq(L, lf->type, P, P->fields.v[pf].type);
            }
            expect(alr_caps_has_field(plan, st->first_field + k) == want,
                   "%s: %s field %s.%s: want %d", pair, who, st->name, lf->name, want);
        }
    }
    for (uint32_t i = 0; i < L->enums.n; i++) {
        const alri_enum *en = &L->enums.v[i];
        uint32_t pe = su_find_enum(P, en->name);
        if (pe != ALRI_NONE && P->enums.v[pe].is_flags != en->is_flags)
            pe = ALRI_NONE;
        expect(alr_caps_has_enum(plan, i) == (pe != ALRI_NONE), "%s: %s enum %s: want %d", pair,
               who, en->name, pe != ALRI_NONE);
        uint64_t peer_mask = 0, strict_mask = 0;
        const alri_enum *q = pe != ALRI_NONE ? &P->enums.v[pe] : NULL;
        for (uint32_t k = 0; q && k < q->nvalues; k++)
            peer_mask |= (uint64_t)P->enumvals.v[q->first_value + k].value;
        for (uint32_t k = 0; k < en->nvalues; k++) {
            const alri_enumval *v = &L->enumvals.v[en->first_value + k];
            int has = 0, same = 0;
            for (uint32_t j = 0; q && j < q->nvalues; j++) {
                const alri_enumval *w = &P->enumvals.v[q->first_value + j];
                if (w->value == v->value) {
                    has = 1;
                    same = strcmp(w->name, v->name) == 0;
                }
            }
            if (same)
                strict_mask |= (uint64_t)v->value;
            if (!en->is_flags) {
                expect(alr_caps_enum_value(plan, i, ALR_ENUM_VALUE, (uint64_t)v->value) == has,
                       "%s: %s value %s.%s: want %d", pair, who, en->name, v->name, has);
                expect(alr_caps_enum_value(plan, i, ALR_ENUM_STRICT, (uint64_t)v->value) == same,
                       "%s: %s strict %s.%s: want %d", pair, who, en->name, v->name, same);
            }
        }
        for (uint32_t k = 0; en->is_flags && k < en->nvalues; k++) {
            uint64_t bits = (uint64_t)L->enumvals.v[en->first_value + k].value;
            int f = q && (bits & ~peer_mask) == 0, fs = q && (bits & ~strict_mask) == 0;
            expect(alr_caps_enum_value(plan, i, ALR_ENUM_FLAGS, bits) == f,
                   "%s: %s flags %s %llu: want %d", pair, who, en->name, (unsigned long long)bits,
                   f);
            expect(alr_caps_enum_value(plan, i, ALR_ENUM_FLAGS_STRICT, bits) == fs,
                   "%s: %s flags_strict %s %llu: want %d", pair, who, en->name,
                   (unsigned long long)bits, fs);
        }
    }
}

/* ---------------------------------------------------------------- explicit caps */

static void caps_check(const char *pair, const char *spec, const alr_plan *pa, const side *a,
                       const alr_plan *pb, const side *b)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char sidec[4], kind[16], name[256], x[16], y[32], z[8];
        int n = sscanf(item, " %3s %15s %255s %15s %31s %7s", sidec, kind, name, x, y, z);
        const alr_plan *p = sidec[0] == 'A' ? pa : pb;
        const alri_schema *s = sidec[0] == 'A' ? &a->s->ir : &b->s->ir;
        if (n < 4 || (sidec[0] != 'A' && sidec[0] != 'B')) {
            expect(0, "%s: bad caps assertion '%s'", pair, item);
            continue;
        }
        if (strcmp(kind, "value") == 0) {
            uint32_t e = su_find_enum(s, name);
            alr_enum_check how = strcmp(x, "value") == 0    ? ALR_ENUM_VALUE
                                 : strcmp(x, "strict") == 0 ? ALR_ENUM_STRICT
                                 : strcmp(x, "flags") == 0  ? ALR_ENUM_FLAGS
                                                            : ALR_ENUM_FLAGS_STRICT;
            if (n != 6 || e == ALRI_NONE) {
                expect(0, "%s: bad caps assertion '%s'", pair, item);
                continue;
            }
            uint64_t v = strtoull(y, NULL, 10);
            int want = strcmp(z, "yes") == 0;
            expect(alr_caps_enum_value(p, e, how, v) == want, "%s: %s: got %d", pair, item, !want);
            continue;
        }
        uint32_t idx;
        bool got;
        if (strcmp(kind, "service") == 0) {
            idx = su_find_service(s, name);
            got = alr_caps_has_service(p, idx);
        } else if (strcmp(kind, "struct") == 0) {
            idx = su_find_struct(s, name);
            got = alr_caps_has_struct(p, idx);
        } else if (strcmp(kind, "enum") == 0) {
            idx = su_find_enum(s, name);
            got = alr_caps_has_enum(p, idx);
        } else if (strcmp(kind, "field") == 0) {
            idx = su_find_field(s, name);
            got = alr_caps_has_field(p, idx);
        } else if (strcmp(kind, "method") == 0) {
            idx = su_find_method(s, name);
            got = alr_caps_has_method(p, idx);
        } else if (strcmp(kind, "param") == 0) {
            idx = su_find_param(s, name);
            got = alr_caps_has_param(p, idx);
        } else if (strcmp(kind, "return") == 0) {
            idx = su_find_method(s, name);
            got = alr_caps_has_return(p, idx);
        } else if (strcmp(kind, "wire") == 0) {
            idx = su_find_method(s, name);
            got = alr_plan_method_out(p, idx) != ALR_NONE;
            expect(idx != ALRI_NONE && !got && strcmp(x, "none") == 0, "%s: %s", pair, item);
            continue;
        } else {
            expect(0, "%s: bad caps assertion '%s'", pair, item);
            continue;
        }
        if (idx == ALRI_NONE) {
            expect(0, "%s: '%s': no such element", pair, item);
            continue;
        }
        bool want = strcmp(x, "yes") == 0;
        expect(got == want, "%s: %s: got %s", pair, item, got ? "yes" : "no");
    }
}

/* ---------------------------------------------------------------- values */

/* Encodes in (JSON, A's layout) through pa and decodes through pb with B's
 * layout; returns the compact JSON B sees (malloc'ed) or NULL. */
static char *transfer(const char *pair, const side *a, const alr_struct_desc *sda,
                      const alr_plan *pa, const side *b, const alr_struct_desc *sdb,
                      const alr_plan *pb, const char *in)
{
    char err[600];
    json_t *j = NULL;
    if (jv_loads(in, strlen(in), &j, err, sizeof err) != 0) {
        expect(0, "%s: input JSON: %s", pair, err);
        return NULL;
    }
    alri_arena ar;
    alri_arena_init(&ar);
    jv_opts ja = {a->s, arena_alloc_cb, &ar};
    void *va = calloc(1, sda->size);
    void *vb = calloc(1, sdb->size);
    alr_arena *dec_arena = alr_arena_new();
    alr_buf out = {0};
    char *res = NULL;
    if (jv_struct_from_json(&ja, sda, j, va, err, sizeof err) != 0) {
        expect(0, "%s: input value: %s", pair, err);
        goto done;
    }
    alr_err e = alr_encode(sda, pa, va, &out);
    expect(e == ALR_OK, "%s: encode: %s", pair, alr_strerror(e));
    if (e != ALR_OK)
        goto done;
    expect(alr_encoded_size(sda, pa, va) == out.len, "%s: alr_encoded_size %zu != %zu", pair,
           alr_encoded_size(sda, pa, va), out.len);
    e = alr_decode(sdb, pb, out.data, out.len, vb, dec_arena, NULL);
    if (e != ALR_OK) {
        char *hex = jv_hex(out.data, out.len);
        expect(0, "%s: decode of %s: %s", pair, hex ? hex : "?", alr_strerror(e));
        free(hex);
        goto done;
    }
    jv_opts jb = {b->s, NULL, NULL};
    json_t *got = jv_struct_to_json(&jb, sdb, vb, err, sizeof err);
    expect(got != NULL, "%s: to JSON: %s", pair, err);
    if (got) {
        res = jv_dumps(got, 0);
        json_decref(got);
    }
done:
    json_decref(j);
    free(out.data);
    free(va);
    free(vb);
    alr_arena_free(dec_arena);
    alri_arena_fini(&ar);
    return res;
}

static void run_pair(const evo_pair *p)
{
    side a, b;
    if (side_load(&a, "a", p->a) != 0 || side_load(&b, "b", p->b) != 0) {
        expect(0, "%s: schemas do not compile", p->name);
        return;
    }
    char err[600];
    const alr_struct_desc *sda = su_resolve_type(a.l, a.s, p->type, err, sizeof err);
    expect(sda != NULL, "%s: sender type: %s", p->name, err);
    const alr_struct_desc *sdb = su_resolve_type(b.l, b.s, p->type, err, sizeof err);
    expect(sdb != NULL, "%s: receiver type: %s", p->name, err);
    char *want = p->want ? jv_canon(p->want, err, sizeof err) : NULL;
    expect(!p->want || want, "%s: expected JSON: %s", p->name, err);

    /* the same schema on both sides (no plan): the value comes back as sent */
    if (sda && p->in) {
        char *self = transfer(p->name, &a, sda, NULL, &a, sda, NULL, p->in);
        char *norm = NULL;
        json_t *j = NULL;
        alri_arena ar;
        alri_arena_init(&ar);
        jv_opts ja = {a.s, arena_alloc_cb, &ar};
        void *v = calloc(1, sda->size);
        if (jv_loads(p->in, strlen(p->in), &j, err, sizeof err) == 0 &&
            jv_struct_from_json(&ja, sda, j, v, err, sizeof err) == 0) {
            json_t *back = jv_struct_to_json(&ja, sda, v, err, sizeof err);
            norm = back ? jv_dumps(back, 0) : NULL;
            json_decref(back);
        }
        expect(self && norm && strcmp(self, norm) == 0,
               "%s: same-schema round trip\n  got:  %s\n  want: %s", p->name,
               self ? self : "(null)", norm ? norm : "(null)");
        json_decref(j);
        free(v);
        alri_arena_fini(&ar);
        free(self);
        free(norm);
    }

    for (int r = 0; r < 2; r++) {
        alr_role ra = r == 0 ? ALR_ROLE_CONNECTOR : ALR_ROLE_ACCEPTOR;
        const char *rn = r == 0 ? "A connects" : "A accepts";
        alr_plan *pa = NULL, *pb = NULL;
        alr_err e =
            su_handshake(a.s, a.blob, a.len, ra, b.s, b.blob, b.len, &pa, &pb, err, sizeof err);
        expect(e == ALR_OK, "%s (%s): handshake: %s", p->name, rn, err);
        if (e != ALR_OK)
            continue;
        char label[300];
        snprintf(label, sizeof label, "%s (%s)", p->name, rn);
        oracle(label, "A", pa, &a.s->ir, &b.s->ir, pb);
        oracle(label, "B", pb, &b.s->ir, &a.s->ir, pa);
        if (p->caps)
            caps_check(label, p->caps, pa, &a, pb, &b);
        if (sda && sdb && p->in && want) {
            char *got = transfer(label, &a, sda, pa, &b, sdb, pb, p->in);
            expect(got && strcmp(got, want) == 0, "%s: value\n  got:  %s\n  want: %s", label,
                   got ? got : "(null)", want);
            free(got);
        }
        alr_plan_free(pa);
        alr_plan_free(pb);
    }
    free(want);
    side_free(&a);
    side_free(&b);
}

/* The tool's JSON conversion rejects what it must, with the JSON path. */
static void test_json_errors(void)
{
    side a;
    if (side_load(&a, "j", s_w3) != 0) {
        expect(0, "json errors: schema");
        return;
    }
    static const struct {
        const char *in, *err;
    } cases[] = {
        {"{\"conditions_v2\":{\"wind_speed\":\"fast\"}}",
         "$.conditions_v2.wind_speed: expected a number (or \"inf\", \"-inf\", \"nan\"), got the "
         "string \"fast\""},
        {"{\"conditions_v2\":{\"wind\":1}}",
         "$.conditions_v2: unknown member 'wind' of cityguide.WeatherConditions"},
        {"{\"hour\":256}", "$.hour: 256 is out of range for u8"},
        {"{\"hour\":-1}", "$.hour: -1 is out of range for u8"},
        {"{\"conditions\":7}", "$.conditions: expected a string, got an integer"},
        {"[]", "$: expected an object (cityguide.WeatherInfo), got an array"},
    };
    const alr_struct_desc *sd = alr_layout_find(a.l, "cityguide.WeatherInfo");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        alri_arena ar;
        alri_arena_init(&ar);
        jv_opts o = {a.s, arena_alloc_cb, &ar};
        json_t *j = NULL;
        char err[600] = "";
        void *v = calloc(1, sd->size);
        CHECK(jv_loads(cases[i].in, strlen(cases[i].in), &j, err, sizeof err) == 0);
        CHECK(jv_struct_from_json(&o, sd, j, v, err, sizeof err) != 0);
        CHECK_EQ_STR(err, cases[i].err);
        json_decref(j);
        free(v);
        alri_arena_fini(&ar);
    }
    side_free(&a);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/alr-evo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    size_t n = sizeof pairs / sizeof pairs[0];
    for (size_t i = 0; i < n; i++)
        run_pair(&pairs[i]);
    test_json_errors();
    rmdir(g_dir);
    printf("evolution matrix: %zu pairs\n", n);
    TEST_MAIN_END();
}
