# Writes a C++ source defining `std::string_view <SYMBOL>()` that returns the text of IN.
#   cmake -DIN=<file> -DOUT=<file.cpp> -DSYMBOL=<qualified::name> -P embed_text.cmake
set(delimiter "tbtext")
file(READ "${IN}" content)
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )${delimiter}\"")
endif()
string(REGEX MATCH "^(.*)::([^:]+)$" _ "${SYMBOL}")
if(CMAKE_MATCH_1)
  set(open "namespace ${CMAKE_MATCH_1} {\n")
  set(close "}  // namespace ${CMAKE_MATCH_1}\n")
  set(name "${CMAKE_MATCH_2}")
else()
  set(open "")
  set(close "")
  set(name "${SYMBOL}")
endif()
set(source "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.
#include <string_view>

${open}
std::string_view ${name}() {
  // An array, not a string_view literal: its size is known without a constexpr strlen,
  // which gives up on large files (a chart library of a megabyte).
  static constexpr char kText[] = R\"${delimiter}(${content})${delimiter}\";
  return std::string_view(kText, sizeof kText - 1);
}
${close}")
if(EXISTS "${OUT}")
  file(READ "${OUT}" previous)
  if(previous STREQUAL source)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${source}")
