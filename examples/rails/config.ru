# The skeleton's stand-in for an application (README.md).
run ->(_env) { [200, { "content-type" => "text/plain" }, ["ok\n"]] }
