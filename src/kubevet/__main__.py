from kubevet.cli import run

run()
