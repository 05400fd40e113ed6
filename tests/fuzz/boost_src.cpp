// Boost.JSON and Boost.URL compiled from source into the fuzz build, so their parsers get
// coverage feedback and sanitizer checks like our own code (the main build links Debian's
// prebuilt libraries instead).
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
