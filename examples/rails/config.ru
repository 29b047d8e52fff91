# The example application.
run ->(_env) { [200, { "content-type" => "text/plain" }, ["ok\n"]] }
