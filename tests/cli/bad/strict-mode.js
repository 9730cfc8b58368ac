"use strict";
const wrap = 1, Obj = 2, native = 3, H = 4, code = 5;  // the API prelude's names are free to use
workload({ description: "a strict-mode script: its directive holds" });
undeclared = wrap + Obj + native + H + code;
